import createError from '@fastify/error'

export const KINDS_ERR_UNKNOWN_KIND = createError<[string, string]>(
  'KINDS_ERR_UNKNOWN_KIND',
  'Kind "%s" does not exist (%s)',
  500,
  Error
)

export const KINDS_ERR_KIND_CONFIG = createError<[string, string, string]>(
  'KINDS_ERR_KIND_CONFIG',
  'Kind "%s", field %s: %s',
  500,
  TypeError
)

export const KINDS_ERR_KIND_BUILD = createError<[string, string]>(
  'KINDS_ERR_KIND_BUILD',
  'Kind "%s" could not be built: %s',
  500
)

export const KINDS_ERR_LISTEN_ARGS = createError<[string]>(
  'KINDS_ERR_LISTEN_ARGS',
  'net.listen: %s',
  500,
  TypeError
)

export const KINDS_ERR_ADDRESS_IN_USE = createError<[string, string]>(
  'KINDS_ERR_ADDRESS_IN_USE',
  'Address %s is already in use (kind "%s")',
  500
)

export const KINDS_ERR_LISTEN = createError<[string, string, string]>(
  'KINDS_ERR_LISTEN',
  'Cannot listen on %s for kind "%s": %s',
  500
)

export const KINDS_ERR_NOT_LISTENING = createError<[string]>(
  'KINDS_ERR_NOT_LISTENING',
  'net.close: nothing listens on %s',
  500
)

export const KINDS_ERR_CLOSED = createError(
  'KINDS_ERR_CLOSED',
  'The kind router is closed',
  500
)

export const KINDS_ERR_CLOSE_OPTION = createError<[string, string]>(
  'KINDS_ERR_CLOSE_OPTION',
  'closeOnSignals option %s: %s',
  500,
  TypeError
)

/** Attaches the error that caused `error`. */
export function withCause<E extends Error> (error: E, cause: unknown): E {
  (error as { cause?: unknown }).cause = cause
  return error
}

export const KINDS_ERR_WORKERS_OPTION = createError<[string, string]>(
  'KINDS_ERR_WORKERS_OPTION',
  'runWorkers option %s: %s',
  500,
  TypeError
)
