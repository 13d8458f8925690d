import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import websocket from '@fastify/websocket'
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
  /** Largest WebSocket message in bytes; a larger one closes the socket with 1009. Default 1 MiB. */
  maxPayload?: number
  /** Milliseconds a handler may take before the client gets 503. Default: the instance's `handlerTimeout`. */
  handlerTimeout?: number
  /** One info line per request with method, path, status and time, for apps that turn Fastify's own two lines off. Default false. */
  logRequests?: boolean
}

const endpointTable: FastifyPluginAsync<EndpointTableOptions> = async function endpointTable (app, options) {
  const endpoints = normalizeTable(options?.endpoints)
  const maxPayload = checkPositive('maxPayload', options.maxPayload) ?? 1024 * 1024
  const handlerTimeout = checkPositive('handlerTimeout', options.handlerTimeout)
  const logRequests = options.logRequests ?? false
  if (typeof logRequests !== 'boolean') throw new KINDS_ERR_OPTION('logRequests', 'must be a boolean')

  // Longest paths first, so that of '/a' and '/a/' the latter owns '/a/*'.
  const ordered = [...endpoints].sort((a, b) => b.path.length - a.path.length)

  // The WebSocket plugin wraps every route of its context, so WebSocket routes live in a
  // context of their own: an upgrade to any other endpoint is answered as plain HTTP.
  let sockets: FastifyInstance | undefined
  await app.register(async function websocketRoutes (child) {
    await child.register(websocket, {
      options: { maxPayload, handleProtocols: chooseProtocol },
      errorHandler: onSocketError,
      preClose: closeSockets
    })
    sockets = child
    child.websocketServer.on('headers', rewriteUpgradeHeaders)
    child.addHook('onRequest', async request => acceptAnyKey(request))
    setUp(child, logRequests)
    const taken = new Set<string>()
    for (const endpoint of ordered.filter(e => e.websocket !== null)) {
      for (const url of free(taken, routeUrls(endpoint.path))) {
        child.route({
          method: 'GET',
          url,
          exposeHeadRoute: false,
          config: { endpoint: endpoint.path },
          onSend: endpoint.mime === '' ? stripContentType : undefined,
          handlerTimeout,
          handler: httpHandler(endpoint),
          wsHandler: websocketHandler(endpoint)
        })
      }
    }
  })

  // Tests of an app reach the table's WebSockets as they would with @fastify/websocket itself.
  if (!app.hasDecorator('injectWS')) {
    app.decorate('injectWS', (...args: Parameters<FastifyInstance['injectWS']>) => sockets!.injectWS(...args))
  }
  if (!app.hasDecorator('websocketServer')) {
    app.decorate('websocketServer', { getter: () => sockets!.websocketServer })
  }

  await app.register(async function httpRoutes (child) {
    setUp(child, logRequests)
    child.setNotFoundHandler(notFound)
    const taken = new Set<string>()
    for (const endpoint of ordered) {
      const urls = free(taken, routeUrls(endpoint.path))
      addRoutes(child, endpoint, urls, handlerTimeout)
    }
  })
}

function addRoutes (app: FastifyInstance, endpoint: NormalizedEndpoint, urls: string[], handlerTimeout: number | undefined): void {
  const handler = httpHandler(endpoint)
  const other = otherMethods(app)
  // The endpoint's path, for metrics by route that never see the raw URL: `request.routeOptions.config.endpoint`.
  const config = { endpoint: endpoint.path }
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

/** On close, tell every client 1001 (going away); cut those that do not answer within a second. */
function closeSockets (this: FastifyInstance, done: () => void): void {
  const server = this.websocketServer
  for (const client of server.clients) client.close(1001, 'server closing')
  // `ws` would wait 30 s for a silent peer's close frame and keep the process alive.
  setTimeout(() => { for (const client of server.clients) client.terminate() }, 1000).unref()
  server.close()
  done()
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
