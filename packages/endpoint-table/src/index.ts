import { EventEmitter } from 'node:events'
import type { IncomingMessage, Server } from 'node:http'
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import websocket from '@fastify/websocket'
import type { WebSocket, WebSocketServer } from 'ws'
import { normalizeTable } from './endpoint.js'
import { KINDS_ERR_OPTION } from './errors.js'
import { closeAfterUpgrade, httpHandler, methodNotAllowed, notFound, otherMethods, routeUrls, websocketHandler } from './routes.js'
import { acceptAnyKey, chooseProtocol, rewriteUpgradeHeaders } from './ws-upgrade.js'
import { stripContentType } from './untyped.js'
import type { EndpointTable, NormalizedEndpoint } from './types.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** On the table's routes: the path of the endpoint the route serves, a bounded label for metrics. */
    endpoint?: string
  }
}

export interface EndpointTableOptions {
  /** The table: `{ '/path': [mime, onServe, onWebsocket, maxAge, anyOrigin] }`. */
  endpoints: EndpointTable
  /** Where the table is mounted, as Fastify's own `prefix` register option. Default: none. */
  prefix?: string
  /** Largest WebSocket message in bytes; a larger one closes the socket with 1009. Default 1 MiB. */
  maxPayload?: number
  /** Milliseconds between two pings of each WebSocket; one that has not answered by the next ping is cut. Default 30000. */
  pingInterval?: number
  /** Milliseconds a handler may take before the client gets 503. Default: the instance's `handlerTimeout`. */
  handlerTimeout?: number
  /** One info line per request with method, path, status and time, for apps that turn Fastify's own two lines off. Default false. */
  logRequests?: boolean
  /** An unknown path within the table's prefix gets 404 with an empty body. Default true (without a prefix: unless the instance has its own). */
  notFound?: boolean
}

/** Told of every WebSocket a table of the instance opens. */
export type WebSocketObserver = (ws: WebSocket, request: IncomingMessage) => void

const observers = new WeakMap<object, Set<WebSocketObserver>>()

/**
 * Calls `observer` with each WebSocket opened on a table registered on `instance`
 * (the instance `register` was called on). Returns the unsubscriber.
 */
export function observeWebSockets (instance: FastifyInstance, observer: WebSocketObserver): () => void {
  let set = observers.get(instance)
  if (set === undefined) observers.set(instance, set = new Set())
  set.add(observer)
  return () => set.delete(observer)
}

const endpointTable: FastifyPluginAsync<EndpointTableOptions> = async function endpointTable (app, options) {
  const endpoints = normalizeTable(options?.endpoints)
  const prefix = options.prefix
  if (prefix !== undefined && (typeof prefix !== 'string' || !prefix.startsWith('/'))) {
    throw new KINDS_ERR_OPTION('prefix', `must be a string starting with "/", got ${String(prefix)}`)
  }
  // An @fastify/websocket the app registered (here or above) serves the table's WebSockets too.
  const reuse = app.hasDecorator('websocketServer')
  if (reuse && options.maxPayload !== undefined) {
    throw new KINDS_ERR_OPTION('maxPayload', 'cannot be set when the app\'s own @fastify/websocket serves the table: set it in that plugin\'s options')
  }
  const maxPayload = checkPositive('maxPayload', options.maxPayload) ?? 1024 * 1024
  const pingInterval = checkPositive('pingInterval', options.pingInterval) ?? 30_000
  const handlerTimeout = checkPositive('handlerTimeout', options.handlerTimeout)
  const logRequests = options.logRequests ?? false
  if (typeof logRequests !== 'boolean') throw new KINDS_ERR_OPTION('logRequests', 'must be a boolean')
  const setNotFound = options.notFound ?? true
  if (typeof setNotFound !== 'boolean') throw new KINDS_ERR_OPTION('notFound', 'must be a boolean')
  const observed = app

  // Longest paths first, so that of '/a' and '/a/' the latter owns '/a/*'.
  const ordered = [...endpoints].sort((a, b) => b.path.length - a.path.length)

  // Everything the table sets (parsers, error handler, not-found handler, hooks) lives in
  // this context of its own, under its prefix: the app's routes keep theirs.
  await app.register(async function table (scope) {
    setUp(scope, logRequests)
    if (setNotFound) {
      try {
        scope.setNotFoundHandler(notFound)
      } catch (err) {
        // Without a prefix the level is the instance's, and the instance set its own: it answers.
        if (prefix !== undefined) throw err
        scope.log.debug({ err }, 'the instance has its own not-found handler')
      }
    }

    // Requests of this table's WebSockets, so that a shared `ws` server's events are told apart.
    const ours = new WeakSet<object>()
    const sockets = new Set<WebSocket>()
    scope.addHook('preClose', function goingAway (done) {
      closeSockets(sockets)
      done()
    })

    // @fastify/websocket wraps every route of its context, so WebSocket routes live in a
    // context of their own: an upgrade to any other endpoint is answered as plain HTTP.
    await scope.register(async function websocketRoutes (child) {
      if (!reuse) {
        const upgrades = upgradesOf(child.server)
        child.addHook('onClose', async () => upgrades.detach())
        await child.register(websocket, {
          // Upgrades reach it through one listener per server that all tables share (see upgradesOf).
          // Pongs are written by EndpointWebSocket, which closes a ping flood with 1008 where `ws` would cut it silently.
          options: { maxPayload, handleProtocols: chooseProtocol, autoPong: false, server: upgrades.target as unknown as Server },
          errorHandler: onSocketError,
          preClose: function closeServer (this: FastifyInstance, done: () => void) {
            this.websocketServer.close()
            done()
          }
        })
      }
      const server: WebSocketServer = child.websocketServer
      // An app's own @fastify/websocket may answer pings itself (`ws`'s autoPong): then the table does not answer twice.
      const liveness = { pingInterval, answerPings: (server.options as { autoPong?: boolean }).autoPong === false }
      if (reuse) shareProtocols(server, ours)
      server.on('headers', (headers: string[], request: IncomingMessage) => {
        if (ours.has(request)) rewriteUpgradeHeaders(headers, request)
      })
      server.on('connection', (ws: WebSocket, request: IncomingMessage) => {
        if (!ours.has(request)) return
        sockets.add(ws)
        ws.once('close', () => sockets.delete(ws))
        for (const observe of observers.get(observed) ?? []) observe(ws, request)
      })
      child.addHook('onRequest', async request => {
        ours.add(request.raw)
        acceptAnyKey(request)
      })
      const taken = new Set<string>()
      for (const endpoint of ordered.filter(e => e.websocket !== null)) {
        for (const url of free(taken, routeUrls(endpoint.path))) {
          child.route({
            method: 'GET',
            url,
            exposeHeadRoute: false,
            config: { endpoint: (prefix ?? '') + endpoint.path },
            onSend: endpoint.mime === '' ? stripContentType : undefined,
            handlerTimeout,
            handler: httpHandler(endpoint),
            wsHandler: websocketHandler(endpoint, liveness)
          })
        }
      }
    })

    await scope.register(async function httpRoutes (child) {
      const taken = new Set<string>()
      for (const endpoint of ordered) {
        const urls = free(taken, routeUrls(endpoint.path))
        addRoutes(child, endpoint, urls, handlerTimeout, (prefix ?? '') + endpoint.path)
      }
    })
  }, { prefix })
}

function addRoutes (app: FastifyInstance, endpoint: NormalizedEndpoint, urls: string[], handlerTimeout: number | undefined, route: string): void {
  const handler = httpHandler(endpoint)
  const other = otherMethods(app)
  // The endpoint's path, for metrics by route that never see the raw URL: `request.routeOptions.config.endpoint`.
  // The endpoint as the client sees it, the table's prefix included: what /metrics labels `route`.
  const config = { endpoint: route }
  for (const url of urls) {
    // GET of a WebSocket endpoint is served by its WebSocket route.
    const get = endpoint.websocket !== null ? ['HEAD' as const] : ['GET' as const, 'HEAD' as const]
    const onSend = endpoint.mime === '' ? stripContentType : undefined
    if (endpoint.data !== null) {
      app.route({ method: get, url, exposeHeadRoute: false, config, onSend, handler })
      app.route({ method: other, url, config, handler: methodNotAllowed })
    } else {
      app.route({ method: [...get, ...other], url, exposeHeadRoute: false, config, handlerTimeout, onSend, handler: endpoint.serve === null ? notFound : handler })
    }
  }
}

/** What every route context of the table shares: raw bodies of any type and bodiless errors. */
function setUp (app: FastifyInstance, logRequests: boolean): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
  app.setErrorHandler(onError)
  if (logRequests && (app.log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.('info') === true) {
    app.addHook('onResponse', async (request, reply) => {
      request.log.info({ method: request.method, path: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 }, 'request')
    })
  }
}

/** Errors Fastify raises itself (413, 400, 503 on timeout): their status, no body. */
function onError (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode <= 599 ? err.statusCode : 500
  if (status >= 500) {
    request.log.error({ err }, 'request failed')
  } else {
    request.log.info({ err: { code: err.code, message: err.message } }, 'bad request')
  }
  closeAfterUpgrade(request, reply)
  reply.removeHeader('content-type')
  reply.code(status).send()
}

function onSocketError (this: FastifyInstance, error: Error, socket: { terminate(): void }, request: FastifyRequest): void {
  // `ws` has already sent the close code that fits (1007 bad UTF-8, 1009 too big).
  request.log.warn({ err: { code: (error as FastifyError).code, message: error.message } }, 'websocket error')
  setTimeout(() => socket.terminate(), 1000).unref()
}

/** On close, tell the table's clients 1001 (going away); cut those that do not answer within a second. */
function closeSockets (sockets: Set<WebSocket>): void {
  for (const client of sockets) client.close(1001, 'server closing')
  // `ws` would wait 30 s for a silent peer's close frame and keep the process alive.
  setTimeout(() => { for (const client of sockets) client.terminate() }, 1000).unref()
}

/** On a `ws` server the app shares, the table's own requests get the table's subprotocol choice. */
function shareProtocols (server: WebSocketServer, ours: WeakSet<object>): void {
  const serverOptions = server.options as { handleProtocols?: (protocols: Set<string>, request: IncomingMessage) => string | false }
  const previous = serverOptions.handleProtocols
  serverOptions.handleProtocols = (protocols, request) => {
    if (ours.has(request)) return chooseProtocol(protocols)
    return previous !== undefined ? previous(protocols, request) : (protocols.values().next().value ?? false)
  }
}

interface Upgrades {
  /** What this table's @fastify/websocket listens on instead of the server. */
  target: EventEmitter
  detach (): void
}

const upgradeTargets = new WeakMap<object, { list: EventEmitter[], listener: (...args: unknown[]) => void }>()

/**
 * Every @fastify/websocket routes each upgrade through Fastify's one router, so one of
 * them per server is enough, and two would route it twice. The tables of a server share
 * one 'upgrade' listener that hands each upgrade to one table's plugin; when another
 * listener exists (an @fastify/websocket the app registered after the tables), it
 * routes the upgrade and the tables stand aside.
 */
function upgradesOf (server: EventEmitter): Upgrades {
  let shared = upgradeTargets.get(server)
  if (shared === undefined) {
    const list: EventEmitter[] = []
    const listener = (...args: unknown[]): void => {
      if (server.listenerCount('upgrade') > 1) return
      list[0]?.emit('upgrade', ...args)
    }
    server.on('upgrade', listener)
    upgradeTargets.set(server, shared = { list, listener })
  }
  const { list, listener } = shared
  const target = new EventEmitter()
  list.push(target)
  return {
    target,
    detach () {
      const at = list.indexOf(target)
      if (at !== -1) list.splice(at, 1)
      if (list.length === 0 && upgradeTargets.get(server)?.list === list) {
        upgradeTargets.delete(server)
        server.removeListener('upgrade', listener)
      }
    }
  }
}

function free (taken: Set<string>, urls: string[]): string[] {
  const out = urls.filter(url => !taken.has(url))
  for (const url of out) taken.add(url)
  return out
}

function checkPositive (name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isInteger(value) || (value as number) <= 0) throw new KINDS_ERR_OPTION(name, `must be a positive integer, got ${String(value)}`)
  return value as number
}

export default fp(endpointTable, { fastify: '5.x', name: '@kinds/endpoint-table' })
export { endpointTable }
export { normalizeTable, normalizeEndpoint } from './endpoint.js'
export { status, type StatusOptions, type StatusResponse } from './status.js'
export { headers, ResponseHeaders, type HeaderInput } from './response-headers.js'
export { RequestHeaders } from './request-headers.js'
export { EndpointStream, type SocketAddress } from './stream.js'
export { EndpointWebSocket, sleep, type WebSocketMessage } from './ws-stream.js'
export * as errors from './errors.js'
export type * from './types.js'
