import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify'
import type { WebSocket } from 'ws'
import { RequestHeaders } from './request-headers.js'
import { EndpointStream } from './stream.js'
import { EndpointWebSocket, type LivenessOptions } from './ws-stream.js'
import { fail, respond } from './respond.js'
import { sendUntyped } from './untyped.js'
import type { NormalizedEndpoint } from './types.js'

type Handler = (request: FastifyRequest, reply: FastifyReply) => void

/**
 * The router URLs that make `path` match itself and everything below it at a `/`
 * boundary; find-my-way prefers the longest static prefix, which is our rule 1.
 */
export function routeUrls (path: string): string[] {
  const escaped = path.replaceAll(':', '::')
  if (path === '/') return ['/']
  return [escaped, escaped.endsWith('/') ? escaped + '*' : escaped + '/*']
}

/** The handler of plain HTTP requests to an endpoint. */
export function httpHandler (endpoint: NormalizedEndpoint): Handler {
  if (endpoint.data !== null) return staticHandler(endpoint, endpoint.data)
  const onServe = endpoint.serve
  if (onServe === null) return notFound

  return function serve (request, reply) {
    closeAfterUpgrade(request, reply)
    const stream = new EndpointStream(request, reply)
    let result: unknown
    try {
      result = onServe(new RequestHeaders(request), stream)
    } catch (err) {
      fail(request, reply, err)
      return
    }
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
      (result as PromiseLike<unknown>).then(
        value => respond(endpoint, request, reply, stream, value),
        err => fail(request, reply, err)
      )
      return
    }
    respond(endpoint, request, reply, stream, result)
  }
}

function staticHandler (endpoint: NormalizedEndpoint, data: Buffer): Handler {
  const headers: Record<string, string> = {}
  if (endpoint.mime !== '') headers['content-type'] = endpoint.mime
  if (endpoint.maxAge !== null) headers['cache-control'] = `max-age=${endpoint.maxAge}`
  if (endpoint.anyOrigin) headers['access-control-allow-origin'] = '*'
  const untyped = endpoint.mime === ''
  return function serveStatic (request, reply) {
    closeAfterUpgrade(request, reply)
    if (untyped) sendUntyped(reply)
    reply.headers(headers).send(data)
  }
}

/**
 * An upgrade answered over plain HTTP leaves a socket no HTTP parser reads any
 * more: say so and close it once the answer is out. One property read otherwise.
 */
export function closeAfterUpgrade (request: FastifyRequest, reply: FastifyReply): void {
  if ((request.raw as { upgrade?: boolean }).upgrade !== true) return
  reply.header('connection', 'close')
  reply.raw.once('finish', () => request.raw.socket?.end())
}

/** Static data answers GET and HEAD only. */
export function methodNotAllowed (request: FastifyRequest, reply: FastifyReply): void {
  closeAfterUpgrade(request, reply)
  reply.code(405).header('allow', 'GET, HEAD').send()
}

export function notFound (request: FastifyRequest, reply: FastifyReply): void {
  closeAfterUpgrade(request, reply)
  reply.code(404).send()
}

/**
 * The handler of WebSocket connections: closes 1000 when `onWebsocket` returns, 1011 when it throws;
 * pings every `pingInterval` ms and cuts a socket that has not answered by the next ping.
 */
export function websocketHandler (endpoint: NormalizedEndpoint, liveness?: LivenessOptions) {
  const onWebsocket = endpoint.websocket!
  return function serveWebSocket (this: FastifyInstance, socket: WebSocket, request: FastifyRequest): void {
    const log = request.log
    const opened = Date.now()
    log.info({ path: request.url, protocol: socket.protocol }, 'websocket open')
    const ws = new EndpointWebSocket(socket, log, liveness)
    socket.once('close', (code: number, reason: Buffer) => {
      log.info({ path: request.url, code, reason: reason.toString(), ms: Date.now() - opened, dropped: ws.dropped }, 'websocket closed')
    })
    const failed = (err: unknown): void => {
      log.error({ err, path: request.url }, 'websocket handler failed')
      ws.close(1011)
    }
    let result: unknown
    try {
      result = onWebsocket(new RequestHeaders(request), ws)
    } catch (err) {
      failed(err)
      return
    }
    Promise.resolve(result).then(() => ws.close(1000), failed)
  }
}

/** Every method the instance knows but GET and HEAD. */
export function otherMethods (app: FastifyInstance): HTTPMethods[] {
  return (app.supportedMethods as HTTPMethods[]).filter(m => m !== 'GET' && m !== 'HEAD')
}
