import type { FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify'

// Replies whose MIME is '': Fastify would type a byte body application/octet-stream.
const untyped = new WeakSet<FastifyReply>()

/** Marks a reply that must go out without a content-type. */
export function sendUntyped (reply: FastifyReply): void {
  untyped.add(reply)
}

/** Route-level onSend of endpoints whose MIME is '' (no cost to any other route). */
export const stripContentType: onSendHookHandler = function stripContentType (_request: FastifyRequest, reply: FastifyReply, payload, done) {
  if (untyped.has(reply)) reply.removeHeader('content-type')
  done(null, payload)
}
