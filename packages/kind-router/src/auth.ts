import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { KINDS_ERR_KIND_CONFIG } from './errors.js'
import { isUpgrade, refuse } from './origin.js'

/** Who may use a kind: a bearer token (any of several), sent as `authorization: Bearer <token>` or, from a browser, the cookie `?token=` sets. */
export interface BearerAuth {
  token: string | readonly string[]
  /** `GET ?token=<token>` sets an HttpOnly, SameSite=Strict cookie and redirects; the cookie then counts as the token. Default true. */
  cookie?: boolean
  /** Named in `www-authenticate`. Default: the kind's name. */
  realm?: string
  /** Paths served without credentials (exactly these, not below). Default: `['/livez', '/readyz']`. */
  except?: readonly string[]
}

/** Who may use a kind: one user and password, sent as `authorization: Basic` (a browser prompts for them). */
export interface BasicAuth {
  user: string
  password: string
  realm?: string
  except?: readonly string[]
}

export type AuthConfig = BearerAuth | BasicAuth

/** RFC 6750 b64token: what fits in a header and a cookie unquoted. */
const b64token = /^[A-Za-z0-9\-._~+/]+=*$/
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const quotable = /^[^"\\\x00-\x1f\x7f]*$/
const defaultExcept = ['/livez', '/readyz']

/** Checks the `auth` field as it is given; throws a coded error naming the kind and the field. */
export function checkAuth (kind: string, value: unknown): void {
  if (value === false) return
  const fail = (field: string, why: string): never => { throw new KINDS_ERR_KIND_CONFIG(kind, `auth.${field}`, why) }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('(auth)', 'must be false, { token } or { user, password }')
  const a = value as Record<string, unknown>
  for (const field of Object.keys(a)) {
    if (!['token', 'cookie', 'user', 'password', 'realm', 'except'].includes(field)) fail(field, 'is not an auth field')
  }
  if ((a.token === undefined) === (a.user === undefined)) fail('(auth)', 'needs either token or user and password')
  if (a.token !== undefined) {
    const tokens = typeof a.token === 'string' ? [a.token] : a.token
    if (!Array.isArray(tokens) || tokens.length === 0) fail('token', 'must be a string or a non-empty array of strings')
    for (const token of tokens as unknown[]) {
      if (typeof token !== 'string' || !b64token.test(token)) fail('token', 'must be letters, digits and -._~+/ (then = padding), as RFC 6750 allows')
    }
    if (a.password !== undefined) fail('password', 'goes with user, not with token')
    if (a.cookie !== undefined && typeof a.cookie !== 'boolean') fail('cookie', 'must be a boolean')
  } else {
    if (typeof a.user !== 'string' || a.user === '' || a.user.includes(':') || !quotable.test(a.user)) fail('user', 'must be a non-empty string without ":" or control characters')
    if (typeof a.password !== 'string' || a.password === '') fail('password', 'must be a non-empty string')
    if (a.cookie !== undefined) fail('cookie', 'goes with token, not with user and password')
  }
  if (a.realm !== undefined && (typeof a.realm !== 'string' || !quotable.test(a.realm))) fail('realm', 'must be a string without quotes, backslashes or control characters')
  if (a.except !== undefined && (!Array.isArray(a.except) || a.except.some(p => typeof p !== 'string' || !p.startsWith('/')))) {
    fail('except', 'must be an array of paths starting with "/"')
  }
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest()

/** Compares the hash of `given` with every expected hash, in time that does not depend on where they differ. */
function matches (given: string, expected: readonly Buffer[]): boolean {
  const hash = digest(given)
  let ok = false
  for (const e of expected) ok = timingSafeEqual(hash, e) || ok
  return ok
}

/** The cookie of a kind: cookies are not told apart by port, so each kind has its own name. */
export function cookieName (kind: string): string {
  return `kinds_auth_${kind.replace(/[^A-Za-z0-9_-]/g, '_')}`
}

function cookieValue (header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=')
    if (eq !== -1 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim()
  }
  return undefined
}

function credentials (request: FastifyRequest, scheme: string): string | undefined {
  const header = request.headers.authorization
  if (typeof header !== 'string') return undefined
  const space = header.indexOf(' ')
  if (space === -1 || header.slice(0, space).toLowerCase() !== scheme) return undefined
  return header.slice(space + 1).trim()
}

/**
 * Installs the kind's `auth` as its first onRequest hook, so every route, the
 * static files, 404s and WebSocket upgrades (before any 101) need credentials.
 */
export function installAuth (instance: FastifyInstance, kind: string, auth: AuthConfig | false): void {
  if (auth === false) return
  const realm = auth.realm ?? kind
  const except = new Set(auth.except ?? defaultExcept)
  const check = 'token' in auth ? bearer(kind, realm, auth) : basic(realm, auth)
  const hint = 'token' in auth
    ? `Unauthorized: send authorization: Bearer <token>${auth.cookie === false ? '' : ', or open ?token=<token> once in a browser'}`
    : 'Unauthorized: this needs a user name and password'
  instance.addHook('onRequest', function authenticate (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
    const url = request.raw.url ?? '/'
    const q = url.indexOf('?')
    if (except.has(q === -1 ? url : url.slice(0, q))) return done()
    const refusal = check(request, reply)
    if (refusal === undefined) return done()
    if (refusal === false) return
    request.log.info({ path: request.raw.url, reason: refusal.reason }, 'unauthorized')
    refuse(request, reply, 401, { 'www-authenticate': refusal.challenge }, hint)
  })
}

/** undefined: let it in; false: answered already (the redirect); else why not and the challenge. */
type Check = (request: FastifyRequest, reply: FastifyReply) => undefined | false | { reason: string, challenge: string }

function bearer (kind: string, realm: string, auth: BearerAuth): Check {
  const expected = (typeof auth.token === 'string' ? [auth.token] : auth.token).map(digest)
  const useCookie = auth.cookie ?? true
  const name = cookieName(kind)
  const challenge = `Bearer realm="${realm}"`
  return (request, reply) => {
    const given = credentials(request, 'bearer')
    if (given !== undefined) return matches(given, expected) ? undefined : { reason: 'wrong token', challenge: `${challenge}, error="invalid_token"` }
    if (!useCookie) return { reason: 'no credentials', challenge }
    const cookie = cookieValue(request.headers.cookie, name)
    if (cookie !== undefined && matches(cookie, expected)) return undefined
    const url = new URL(request.raw.url ?? '/', 'http://x')
    const token = url.searchParams.get('token')
    if (token === null) return { reason: cookie === undefined ? 'no credentials' : 'wrong cookie', challenge }
    // The token leaves the URL at once, so no log line shows it.
    url.searchParams.delete('token')
    request.raw.url = url.pathname + url.search
    if (isUpgrade(request) || (request.method !== 'GET' && request.method !== 'HEAD')) return { reason: 'token in the URL of a non-GET', challenge }
    if (!matches(token, expected)) return { reason: 'wrong token', challenge: `${challenge}, error="invalid_token"` }
    const secure = (request.raw.socket as { encrypted?: boolean } | null)?.encrypted === true ? '; Secure' : ''
    reply.code(303)
      .header('set-cookie', `${name}=${token}; Path=/; HttpOnly; SameSite=Strict${secure}`)
      // One leading slash: `/.//evil.example/` normalises to `//evil.example/`, which a browser reads as another host.
      .header('location', '/' + url.pathname.replace(/^\/+/, '') + url.search)
      .header('cache-control', 'no-store')
      .send()
    return false
  }
}

function basic (realm: string, auth: BasicAuth): Check {
  const expected = [digest(`${auth.user}:${auth.password}`)]
  const challenge = `Basic realm="${realm}", charset="UTF-8"`
  return request => {
    const given = credentials(request, 'basic')
    if (given === undefined) return { reason: 'no credentials', challenge }
    return matches(Buffer.from(given, 'base64').toString('utf8'), expected) ? undefined : { reason: 'wrong credentials', challenge }
  }
}
