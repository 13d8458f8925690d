import createError from '@fastify/error'

// Every message names the config field (`cert`, `key`, an ephemeral option) and, for files, the path.
type Cause = { cause: unknown }

export const KINDS_ERR_TLS_MISSING = createError<[string, string]>(
  'KINDS_ERR_TLS_MISSING',
  'Option %s: a file path is required when %s is given',
  500,
  TypeError
)

export const KINDS_ERR_TLS_UNREADABLE = createError<[string, string, string, Cause?]>(
  'KINDS_ERR_TLS_UNREADABLE',
  'Option %s: cannot read %s: %s',
  500
)

export const KINDS_ERR_TLS_NOT_PEM = createError<[string, string, string]>(
  'KINDS_ERR_TLS_NOT_PEM',
  'Option %s: %s is not valid PEM: %s',
  500
)

export const KINDS_ERR_TLS_NO_CERTIFICATE = createError<[string, string]>(
  'KINDS_ERR_TLS_NO_CERTIFICATE',
  'Option %s: %s holds no "BEGIN CERTIFICATE" block',
  500
)

export const KINDS_ERR_TLS_NO_KEY = createError<[string, string]>(
  'KINDS_ERR_TLS_NO_KEY',
  'Option %s: %s holds no "BEGIN ... PRIVATE KEY" block',
  500
)

export const KINDS_ERR_TLS_KEY_MISMATCH = createError<[string, string, string]>(
  'KINDS_ERR_TLS_KEY_MISMATCH',
  'Option %s: the private key in %s does not match the first certificate in %s; the leaf must come first',
  500
)

export const KINDS_ERR_TLS_EXPIRED = createError<[string, string, string]>(
  'KINDS_ERR_TLS_EXPIRED',
  'Option %s: the certificate in %s expired on %s',
  500
)

export const KINDS_ERR_TLS_EPHEMERAL_OPTION = createError<[string, string]>(
  'KINDS_ERR_TLS_EPHEMERAL_OPTION',
  'Ephemeral certificate option %s: %s',
  500,
  TypeError
)

export const KINDS_ERR_TLS_EPHEMERAL_WRITE = createError<[string, string, Cause?]>(
  'KINDS_ERR_TLS_EPHEMERAL_WRITE',
  'Ephemeral certificate option dir: cannot write %s: %s',
  500
)
