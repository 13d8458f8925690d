import createError from '@fastify/error'

export const KINDS_ERR_ENDPOINT_PATH = createError<[string]>(
  'KINDS_ERR_ENDPOINT_PATH',
  'Endpoint path %s must be a string starting with "/"',
  500,
  TypeError
)

export const KINDS_ERR_ENDPOINT_SHAPE = createError<[string, string]>(
  'KINDS_ERR_ENDPOINT_SHAPE',
  'Endpoint %s: %s',
  500,
  TypeError
)

export const KINDS_ERR_ENDPOINT_MIME = createError<[string, string]>(
  'KINDS_ERR_ENDPOINT_MIME',
  'Endpoint %s: mime must be a string, got %s',
  500,
  TypeError
)

export const KINDS_ERR_ENDPOINT_HANDLER = createError<[string, string, string]>(
  'KINDS_ERR_ENDPOINT_HANDLER',
  'Endpoint %s: %s must be a function, got %s',
  500,
  TypeError
)

export const KINDS_ERR_OPTION = createError<[string, string]>(
  'KINDS_ERR_OPTION',
  'Option %s: %s',
  500,
  TypeError
)

export const KINDS_ERR_BODY_JSON = createError<[string]>(
  'KINDS_ERR_BODY_JSON',
  'Request body is not valid JSON: %s',
  400
)

export const KINDS_ERR_RETURN_VALUE = createError<[string, string]>(
  'KINDS_ERR_RETURN_VALUE',
  'Endpoint %s: the handler returned %s, which is not a response',
  500
)

export const KINDS_ERR_STATUS = createError<[string]>(
  'KINDS_ERR_STATUS',
  'Status %s is not an integer between 100 and 599',
  500,
  RangeError
)

export const KINDS_ERR_HEADERS_SENT = createError<[string]>(
  'KINDS_ERR_HEADERS_SENT',
  'Endpoint %s: headers were already written',
  500
)

export const KINDS_ERR_WS_READ_RAW = createError(
  'KINDS_ERR_WS_READ_RAW',
  'ws.receive() has nothing to read: a "message" listener on ws.raw took the messages over before the first receive()',
  500
)
