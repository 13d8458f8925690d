import type { FastifyInstance, FastifyPluginAsync, FastifyPluginCallback } from 'fastify'
import { normalizeTable, type EndpointTable } from '@kinds/endpoint-table'
import { KINDS_ERR_KIND_CONFIG, withCause } from './errors.js'
import { checkAuth, type AuthConfig } from './auth.js'
import { checkAllowedOrigins } from './origin.js'

type AnyPlugin = FastifyPluginCallback<any> | FastifyPluginAsync<any>

/** A Fastify plugin for one kind, alone or with its options. */
export type KindPlugin = AnyPlugin | readonly [AnyPlugin, Record<string, unknown>]

/** The configuration of a kind; every field is optional and merged over the defaults. */
export interface KindConfig {
  /** The endpoint table the kind serves. */
  endpoints?: EndpointTable
  /** true: TLS only; false: plain only; unset: both on one port, told apart by the first bytes. */
  tls?: boolean
  /** Path of a PEM certificate file (a chain allowed); needs `key`. */
  cert?: string
  /** Path of the PEM key file of `cert`. */
  key?: string
  /** Use the process's self-signed certificate when no `cert` is given. */
  ephemeral?: boolean
  /** Fastify plugins registered into this kind only, before its endpoints. */
  plugins?: readonly KindPlugin[]
  /** Called with the kind's Fastify instance before its endpoints: hooks, decorators. */
  setup?: (instance: FastifyInstance) => void | Promise<void>
  /** Largest request body in bytes, then 413. */
  bodyLimit?: number
  /** Milliseconds a handler may take, then 503. */
  handlerTimeout?: number
  /** Milliseconds to receive a request's headers, then the connection is cut. */
  headersTimeout?: number
  /** Milliseconds to receive a whole request, then 408. */
  requestTimeout?: number
  /** Milliseconds an idle keep-alive connection stays open. */
  keepAliveTimeout?: number
  /** Milliseconds of silence after which any connection is cut. */
  idleTimeout?: number
  /** Open connections per listener; more are refused. */
  maxConnections?: number
  /** Largest WebSocket message in bytes, then close 1009. */
  maxPayload?: number
  /** Milliseconds between two pings of each WebSocket; one that has not answered by the next ping is cut. */
  wsPingInterval?: number
  /** Milliseconds in-flight requests get to finish when a listener or the app closes. */
  closeGrace?: number
  // ---- HTTP/2 and connection limits (#8) ----
  /** HTTP/2 streams a client may have open at once on one connection (SETTINGS_MAX_CONCURRENT_STREAMS). */
  maxConcurrentStreams?: number
  /** Megabytes of buffered frames an HTTP/2 connection may hold, then new streams are refused. */
  maxSessionMemory?: number
  // Who may come in, and how the kind leaves (auth.ts, origin.ts, drain.ts).
  /** Credentials every request and WebSocket upgrade must carry: a bearer token or basic credentials; false: none. */
  auth?: AuthConfig | false
  /** Origins, besides the kind's own, whose pages may open its WebSockets; '*': any origin. */
  allowedOrigins?: '*' | readonly string[]
  /** Milliseconds `net.drain()` keeps the kind serving, not ready, before closing its listeners. */
  drainDelay?: number
}

/** The effective configuration of a kind after the merge. */
export type ResolvedConfig = Required<Omit<KindConfig, 'tls' | 'cert' | 'key' | 'setup'>> & Pick<KindConfig, 'tls' | 'cert' | 'key' | 'setup'>

/** Defaults of every kind: the first layer of the merge. */
export const builtinAll: Readonly<ResolvedConfig> = Object.freeze({
  endpoints: {},
  ephemeral: true,
  plugins: [],
  bodyLimit: 1024 * 1024,
  handlerTimeout: 30_000,
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  idleTimeout: 60_000,
  maxConnections: 10_000,
  maxPayload: 1024 * 1024,
  wsPingInterval: 30_000,
  closeGrace: 5_000,
  maxConcurrentStreams: 100,
  maxSessionMemory: 10,
  auth: false,
  allowedOrigins: '*',
  drainDelay: 5_000
})

const positive = ['bodyLimit', 'handlerTimeout', 'headersTimeout', 'requestTimeout', 'keepAliveTimeout', 'idleTimeout', 'maxConnections', 'maxPayload', 'wsPingInterval', 'maxConcurrentStreams', 'maxSessionMemory'] as const
const known = new Set<string>([...Object.keys(builtinAll), 'tls', 'cert', 'key', 'setup', 'closeGrace'])

/** Checks a configuration as it is given; throws a coded error naming the kind and the field. */
export function checkConfig (kind: string, conf: unknown): KindConfig {
  if (typeof conf !== 'object' || conf === null || Array.isArray(conf)) {
    throw new KINDS_ERR_KIND_CONFIG(kind, '(config)', 'must be an object')
  }
  const c = conf as Record<string, unknown>
  for (const field of Object.keys(c)) {
    if (!known.has(field)) throw new KINDS_ERR_KIND_CONFIG(kind, field, 'is not a configuration field')
  }
  if (c.endpoints !== undefined) {
    try {
      normalizeTable(c.endpoints)
    } catch (err) {
      throw withCause(new KINDS_ERR_KIND_CONFIG(kind, 'endpoints', (err as Error).message), err)
    }
  }
  for (const field of ['tls', 'ephemeral'] as const) {
    if (c[field] !== undefined && typeof c[field] !== 'boolean') throw new KINDS_ERR_KIND_CONFIG(kind, field, 'must be a boolean')
  }
  for (const field of ['cert', 'key'] as const) {
    if (c[field] !== undefined && (typeof c[field] !== 'string' || c[field] === '')) throw new KINDS_ERR_KIND_CONFIG(kind, field, 'must be a file path')
  }
  if ((c.cert === undefined) !== (c.key === undefined)) {
    throw new KINDS_ERR_KIND_CONFIG(kind, c.cert === undefined ? 'cert' : 'key', `is needed with ${c.cert === undefined ? 'key' : 'cert'}`)
  }
  for (const field of positive) {
    const value = c[field]
    if (value !== undefined && !(Number.isInteger(value) && (value as number) > 0)) {
      throw new KINDS_ERR_KIND_CONFIG(kind, field, `must be a positive integer, got ${String(value)}`)
    }
  }
  if (c.closeGrace !== undefined && !(Number.isInteger(c.closeGrace) && (c.closeGrace as number) >= 0)) {
    throw new KINDS_ERR_KIND_CONFIG(kind, 'closeGrace', 'must be a whole number of milliseconds')
  }
  if (c.auth !== undefined) checkAuth(kind, c.auth)
  if (c.allowedOrigins !== undefined) checkAllowedOrigins(kind, c.allowedOrigins)
  if (c.drainDelay !== undefined && !(Number.isInteger(c.drainDelay) && (c.drainDelay as number) >= 0)) {
    throw new KINDS_ERR_KIND_CONFIG(kind, 'drainDelay', 'must be a whole number of milliseconds')
  }
  if (c.setup !== undefined && typeof c.setup !== 'function') throw new KINDS_ERR_KIND_CONFIG(kind, 'setup', 'must be a function')
  if (c.plugins !== undefined) {
    if (!Array.isArray(c.plugins)) throw new KINDS_ERR_KIND_CONFIG(kind, 'plugins', 'must be an array')
    c.plugins.forEach((p: unknown, i: number) => {
      const fn = Array.isArray(p) ? p[0] : p
      if (typeof fn !== 'function') throw new KINDS_ERR_KIND_CONFIG(kind, `plugins[${i}]`, 'must be a plugin function or [plugin, options]')
    })
  }
  return { ...c } as KindConfig
}

/** The effective configuration: built-in all, built-in kind, all, kind; later wins, field by field. */
export function mergeConfig (...layers: Array<KindConfig | undefined>): ResolvedConfig {
  const out: Record<string, unknown> = {}
  for (const layer of layers) {
    if (layer === undefined) continue
    for (const [field, value] of Object.entries(layer)) if (value !== undefined) out[field] = value
  }
  return out as ResolvedConfig
}
