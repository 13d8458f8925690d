import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { KINDS_ERR_KIND_CONFIG } from './errors.js'

/** Checks the `allowedOrigins` field as it is given: '*' or origins as browsers send them (`https://host:port`). */
export function checkAllowedOrigins (kind: string, value: unknown): void {
  if (value === '*') return
  if (!Array.isArray(value)) throw new KINDS_ERR_KIND_CONFIG(kind, 'allowedOrigins', "must be '*' or an array of origins")
  for (const origin of value) {
    let parsed: URL | undefined
    try {
      parsed = new URL(String(origin))
    } catch {}
    if (typeof origin !== 'string' || parsed === undefined || parsed.origin !== origin) {
      throw new KINDS_ERR_KIND_CONFIG(kind, 'allowedOrigins', `${JSON.stringify(origin)} is not an origin: scheme://host[:port], lower-case, no path`)
    }
  }
}

/** A request that asks to become a WebSocket (Node marks them on the request). */
export function isUpgrade (request: FastifyRequest): boolean {
  return (request.raw as { upgrade?: boolean }).upgrade === true
}

/**
 * Answers `status`, with a line of plain text for people. An upgrade's socket has
 * no HTTP parser after the answer, so it is closed once the answer is out.
 */
export function refuse (request: FastifyRequest, reply: FastifyReply, status: number, headers: Record<string, string>, text: string): void {
  if (isUpgrade(request)) {
    reply.header('connection', 'close')
    reply.raw.once('finish', () => request.raw.socket?.end())
  }
  reply.code(status).headers(headers).type('text/plain; charset=utf-8').send(text + '\n')
}

/** The origin of the page that would be the kind's own: the scheme of the connection and the Host it asked for. */
function ownOrigin (request: FastifyRequest): string | undefined {
  const host = request.headers.host
  if (host === undefined) return undefined
  const tls = (request.raw.socket as { encrypted?: boolean } | null)?.encrypted === true
  return `${tls ? 'https' : 'http'}://${host.toLowerCase()}`
}

/**
 * Refuses with 403 a WebSocket upgrade whose `Origin` is neither the kind's own
 * nor listed: a page elsewhere cannot read a feed through its visitor's browser.
 * A client that sends no Origin is not a browser and is let through.
 */
export function installOriginCheck (instance: FastifyInstance, allowed: '*' | readonly string[]): void {
  if (allowed === '*') return
  const listed = new Set(allowed)
  instance.addHook('onRequest', function checkOrigin (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
    if (!isUpgrade(request)) return done()
    const origin = request.headers.origin
    if (origin === undefined || listed.has(origin) || origin.toLowerCase() === ownOrigin(request)) return done()
    request.log.warn({ path: request.raw.url, origin, host: request.headers.host }, 'websocket origin refused')
    refuse(request, reply, 403, {}, 'Forbidden: a WebSocket of this kind opens from its own pages (allowedOrigins)')
  })
}
