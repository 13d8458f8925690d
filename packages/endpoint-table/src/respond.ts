import type { FastifyReply, FastifyRequest } from 'fastify'
import { KINDS_ERR_RETURN_VALUE } from './errors.js'
import { isStatusCode, isStatusResponse } from './status.js'
import { describe } from './endpoint.js'
import { sendUntyped } from './untyped.js'
import type { EndpointStream } from './stream.js'
import type { NormalizedEndpoint } from './types.js'

/** Turns what `onServe` returned into the response, following the README's table. */
export function respond (endpoint: NormalizedEndpoint, request: FastifyRequest, reply: FastifyReply, stream: EndpointStream, result: unknown): void {
  try {
    answer(endpoint, request, reply, stream, result)
  } catch (err) {
    // JSON.stringify throws on a cycle or a BigInt: a handler's fault, answered as a throw.
    fail(request, reply, err)
  }
}

function answer (endpoint: NormalizedEndpoint, request: FastifyRequest, reply: FastifyReply, stream: EndpointStream, result: unknown): void {
  if (reply.sent || stream.headersWritten) {
    // Late (after a timeout) or after writing through `stream`: the answer is out already.
    if (result !== false) request.log.warn({ path: endpoint.path }, 'the response was already sent: the returned value is ignored')
    // A handler that returned without the last chunk has nothing more to say.
    stream.end()
    return
  }

  if (typeof result === 'object' && result !== null) {
    if (result instanceof Uint8Array) return send200(endpoint, reply, result, endpoint.mime, endpoint.maxAge)
    if (isStatusResponse(result)) return sendStatus(endpoint, reply, result.code, result.body, result.mime ?? endpoint.mime, result.maxAge ?? endpoint.maxAge)
    return send200(endpoint, reply, JSON.stringify(result), endpoint.mime, endpoint.maxAge)
  }
  switch (typeof result) {
    case 'string':
      return send200(endpoint, reply, result, endpoint.mime, endpoint.maxAge)
    case 'number':
      // Through sendStatus, so that a bare 200 gets max-age and any-origin as every 200 does.
      if (isStatusCode(result)) return sendStatus(endpoint, reply, result, undefined, endpoint.mime, endpoint.maxAge)
      break
    case 'undefined':
      reply.code(204).send()
      return
    case 'boolean':
      if (result === false) {
        request.log.error({ path: endpoint.path }, 'handler returned false without writing a response')
        reply.code(500).send()
        return
      }
      break
  }
  if (result === null) {
    reply.code(204).send()
    return
  }
  fail(request, reply, new KINDS_ERR_RETURN_VALUE(endpoint.path, describe(result)))
}

/** A handler threw: 500 with an empty body, the error and its stack in the log. */
export function fail (request: FastifyRequest, reply: FastifyReply, err: unknown): void {
  const status = (err as { statusCode?: unknown })?.statusCode
  const clientFault = typeof status === 'number' && status >= 400 && status < 500 && (err as { code?: string }).code?.startsWith('KINDS_ERR_')
  if (clientFault) {
    request.log.info({ err }, 'bad request')
  } else {
    request.log.error({ err }, 'handler failed')
  }
  if (reply.sent) return
  if (reply.raw.headersSent) {
    reply.raw.destroy()
    return
  }
  reply.removeHeader('content-type')
  reply.code(clientFault ? status : 500).send()
}

/** The identity: Fastify adds `charset` to a JSON type only when it serializes the body itself. */
const asIs = (payload: unknown): string => payload as string

// Text goes out as a string (headers and body in one write, as Fastify does) through `asIs`,
// so the MIME is sent exactly as written.
function send200 (endpoint: NormalizedEndpoint, reply: FastifyReply, body: string | Uint8Array | undefined, mime: string, maxAge: number | null): void {
  if (mime !== '' && body !== undefined) reply.header('content-type', mime)
  else if (mime === '') sendUntyped(reply)
  if (maxAge !== null) reply.header('cache-control', `max-age=${maxAge}`)
  if (endpoint.anyOrigin) reply.header('access-control-allow-origin', '*')
  if (typeof body === 'string') reply.serializer(asIs)
  reply.send(body)
}

function sendStatus (endpoint: NormalizedEndpoint, reply: FastifyReply, code: number, body: unknown, mime: string, maxAge: number | null): void {
  const payload = toPayload(body)
  if (code === 200) return send200(endpoint, reply, payload, mime, maxAge)
  reply.code(code)
  if (mime !== '' && payload !== undefined) reply.header('content-type', mime)
  else if (mime === '') sendUntyped(reply)
  if (typeof payload === 'string') reply.serializer(asIs)
  reply.send(payload)
}

function toPayload (body: unknown): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined
  if (typeof body === 'string' || body instanceof Uint8Array) return body
  return JSON.stringify(body)
}
