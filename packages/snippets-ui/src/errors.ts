import createError from '@fastify/error'

export const KINDS_ERR_UI_OPTION = createError<[string, string]>(
  'KINDS_ERR_UI_OPTION',
  'snippets-ui option %s: %s',
  500,
  TypeError
)

export const KINDS_ERR_STAT_KEY = createError<[string, string]>(
  'KINDS_ERR_STAT_KEY',
  'Stat "%s": %s',
  500,
  TypeError
)

export const KINDS_ERR_STAT_VALUE = createError<[string, string]>(
  'KINDS_ERR_STAT_VALUE',
  'Stat "%s": %s',
  500,
  TypeError
)

export const KINDS_ERR_NO_KIND_ROUTER = createError(
  'KINDS_ERR_NO_KIND_ROUTER',
  'snippets-ui needs @kinds/kind-router registered first',
  500
)

export const KINDS_ERR_CLIENT_NOT_BUILT = createError<[string]>(
  'KINDS_ERR_CLIENT_NOT_BUILT',
  'The management page client is not built (%s): run `pnpm --filter @kinds/snippets-ui run build:client`',
  500
)
