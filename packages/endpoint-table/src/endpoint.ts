import {
  KINDS_ERR_ENDPOINT_HANDLER,
  KINDS_ERR_ENDPOINT_MIME,
  KINDS_ERR_ENDPOINT_PATH,
  KINDS_ERR_ENDPOINT_SHAPE
} from './errors.js'
import type { Endpoint, EndpointTable, NormalizedEndpoint, ServeHandler, WebSocketHandler } from './types.js'

/** Checks every endpoint of a table and returns them in a uniform shape; throws a coded error naming the path. */
export function normalizeTable (table: unknown): NormalizedEndpoint[] {
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    throw new KINDS_ERR_ENDPOINT_SHAPE('table', `endpoints must be an object keyed by path, got ${describe(table)}`)
  }
  return Object.keys(table).map(path => normalizeEndpoint(path, (table as EndpointTable)[path]))
}

export function normalizeEndpoint (path: string, endpoint: Endpoint | undefined): NormalizedEndpoint {
  if (typeof path !== 'string' || path[0] !== '/') throw new KINDS_ERR_ENDPOINT_PATH(JSON.stringify(path))
  // The router reads "*" as a wildcard and cannot be told otherwise.
  if (/[?#*\s]/.test(path)) throw new KINDS_ERR_ENDPOINT_SHAPE(path, 'the path may not hold "?", "#", "*" or white space')

  let mime: unknown, serve: unknown, websocket: unknown, maxAge: unknown, anyOrigin: unknown
  if (Array.isArray(endpoint)) {
    if (endpoint.length < 2 || endpoint.length > 5) {
      throw new KINDS_ERR_ENDPOINT_SHAPE(path, `a triplet has 2 to 5 slots [mime, onServe, onWebsocket, maxAge, anyOrigin], got ${endpoint.length}`)
    }
    [mime, serve, websocket, maxAge, anyOrigin] = endpoint
  } else if (typeof endpoint === 'object' && endpoint !== null) {
    ({ mime, serve, websocket, maxAge, anyOrigin } = endpoint as unknown as Record<string, unknown>)
  } else {
    throw new KINDS_ERR_ENDPOINT_SHAPE(path, `an endpoint is [mime, onServe, onWebsocket] or { mime, serve, websocket }, got ${describe(endpoint)}`)
  }

  if (typeof mime !== 'string') throw new KINDS_ERR_ENDPOINT_MIME(path, describe(mime))
  if (/[\r\n]/.test(mime)) throw new KINDS_ERR_ENDPOINT_SHAPE(path, 'mime may not hold a line break')
  if (websocket != null && typeof websocket !== 'function') {
    throw new KINDS_ERR_ENDPOINT_HANDLER(path, 'onWebsocket', describe(websocket))
  }
  if (maxAge != null && !(Number.isInteger(maxAge) && (maxAge as number) >= 0)) {
    throw new KINDS_ERR_ENDPOINT_SHAPE(path, `maxAge must be a whole number of seconds, got ${describe(maxAge)}`)
  }
  if (anyOrigin != null && typeof anyOrigin !== 'boolean') {
    throw new KINDS_ERR_ENDPOINT_SHAPE(path, `anyOrigin must be a boolean, got ${describe(anyOrigin)}`)
  }

  let handler: ServeHandler | null = null
  let data: Buffer | null = null
  if (typeof serve === 'function') {
    handler = serve as ServeHandler
  } else if (typeof serve === 'string') {
    data = Buffer.from(serve)
  } else if (serve instanceof Uint8Array) {
    data = Buffer.from(serve)
  } else if (typeof serve === 'object' && serve !== null) {
    data = Buffer.from(JSON.stringify(serve))
  } else if (serve == null && websocket != null) {
    // A WebSocket-only endpoint: plain HTTP requests get 404 from it, as from nothing.
    handler = null
  } else {
    throw new KINDS_ERR_ENDPOINT_HANDLER(path, 'onServe', describe(serve))
  }

  return {
    path,
    mime,
    serve: handler,
    data,
    websocket: (websocket as WebSocketHandler | null | undefined) ?? null,
    maxAge: (maxAge as number | null | undefined) ?? null,
    anyOrigin: anyOrigin === true
  }
}

export function describe (value: unknown): string {
  if (value === null || value === undefined) return String(value)
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`
}
