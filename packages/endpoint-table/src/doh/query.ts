import type { RequestHeaders } from '../request-headers.js'
import type { EndpointStream } from '../stream.js'

/** The smallest and largest DNS message accepted, in bytes (a header is 12; the original reads at most 1024). */
export const MIN_MESSAGE = 12
export const MAX_MESSAGE = 1024
// 1024 bytes in base64url without padding.
const MAX_PARAMETER = 1368
const BASE64URL = /^[A-Za-z0-9_-]+$/

/** A refusal of the original's error table: the status and its plain-text reason. */
export interface Refusal { status: number, reason: string }

/**
 * The DNS query of a DoH request (RFC 8484): `?dns=` base64url among the
 * parameters of a GET, or the body of a POST; or why it is refused, with the
 * original's statuses and reasons, checked in the original's order.
 */
export async function dnsQuery (h: RequestHeaders, stream: EndpointStream): Promise<Buffer | Refusal> {
  const method = h.get(':method')
  let input: Buffer
  if (method === 'POST') {
    input = await stream.getBody()
  } else if (method === 'GET') {
    const encoded = dnsParameter(h.get(':path') ?? '')
    if (encoded === undefined) return { status: 400, reason: 'base64url query not found' }
    if (encoded.length > MAX_PARAMETER) return { status: 414, reason: 'query parameter in URI too long' }
    input = Buffer.from(encoded, 'base64url')
  } else {
    return { status: 405, reason: 'only HTTP POST and GET are supported' }
  }
  if (input.length < MIN_MESSAGE) return { status: 400, reason: 'input too short' }
  if (input.length > MAX_MESSAGE) return { status: 413, reason: 'input too long' }
  const type = h.get('content-type') ?? 'application/dns-message'
  if (type !== 'application/dns-message') return { status: 415, reason: 'only Content-Type: application/dns-message is supported' }
  return input
}

/** The first `dns` parameter of the query string that is base64url, raw (not percent-decoded, as base64url needs none). */
function dnsParameter (path: string): string | undefined {
  const question = path.indexOf('?')
  if (question === -1) return undefined
  for (const pair of path.slice(question + 1).split('&')) {
    if (!pair.startsWith('dns=')) continue
    const value = pair.slice(4)
    if (BASE64URL.test(value)) return value
  }
  return undefined
}
