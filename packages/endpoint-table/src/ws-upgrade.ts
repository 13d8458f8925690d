import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { FastifyRequest } from 'fastify'

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
const validKey = /^[+/0-9A-Za-z]{22}==$/
// Any well-formed key: `ws` needs one to complete the handshake, the answer is rewritten below.
const STAND_IN_KEY = 'AAAAAAAAAAAAAAAAAAAAAA=='
const kClientKey = Symbol('kinds.clientKey')

interface KeyedRequest extends IncomingMessage {
  [kClientKey]?: string
}

/**
 * Like the original, accept any non-empty Sec-WebSocket-Key (the seed's `nope`):
 * `ws` only takes 16-byte base64 keys, so it gets a stand-in, and the accept value
 * is computed from the client's own key when the 101 is written.
 */
export function acceptAnyKey (request: FastifyRequest): void {
  const raw = request.raw as KeyedRequest
  const key = raw.headers['sec-websocket-key']
  if (typeof key !== 'string' || key === '' || validKey.test(key)) return
  raw[kClientKey] = key
  raw.headers['sec-websocket-key'] = STAND_IN_KEY
}

/**
 * Writes the 101 headers as the original does, lower-case and in its order, so the
 * seed's curl transcript holds to the byte: upgrade, sec-websocket-accept, connection.
 */
export function rewriteUpgradeHeaders (headers: string[], req: IncomingMessage): void {
  const clientKey = (req as KeyedRequest)[kClientKey] ?? req.headers['sec-websocket-key']
  const accept = createHash('sha1').update(String(clientKey) + GUID).digest('base64')
  const extra: string[] = []
  for (const line of headers.slice(1)) {
    const colon = line.indexOf(':')
    const name = line.slice(0, colon).toLowerCase()
    if (name === 'upgrade' || name === 'connection' || name === 'sec-websocket-accept') continue
    extra.push(name + line.slice(colon))
  }
  headers.length = 1
  headers.push('upgrade: websocket', `sec-websocket-accept: ${accept}`, ...extra, 'connection: upgrade')
}

/** Echo `json` when the client offers it, as the original does; no other subprotocol. */
export function chooseProtocol (protocols: Set<string>): string | false {
  return protocols.has('json') ? 'json' : false
}
