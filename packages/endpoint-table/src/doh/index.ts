import dnsPacket from 'dns-packet'
import { KINDS_ERR_OPTION } from '../errors.js'
import { status } from '../status.js'
import type { EndpointTable, ServeHandler } from '../types.js'
import { dnsQuery } from './query.js'
import { forward, parseUpstream, smallestTtl, UpstreamTimeout } from './upstream.js'

export interface DohOptions {
  /** The DNS server queries go to, `host:port` (`[v6]:port`; the port defaults to 53). Default `'127.0.0.1:53'`. */
  upstream?: string
  /** Milliseconds the upstream has to answer (UDP and the TCP retry together) before the client gets 504. Default 5000. */
  timeout?: number
}

/**
 * DNS over HTTPS (RFC 8484) as an endpoint table: `/doh` and `/dns-query`, GET with
 * `?dns=` and POST of `application/dns-message`, forwarded to `upstream` over UDP
 * (TCP when the answer is truncated), with Knot Resolver's error table.
 */
export function dohEndpoints (options: DohOptions = {}): EndpointTable {
  if (typeof options !== 'object' || options === null) throw new KINDS_ERR_OPTION('doh', 'options must be an object')
  const upstreamText = options.upstream ?? '127.0.0.1:53'
  const upstream = typeof upstreamText === 'string' ? parseUpstream(upstreamText) : undefined
  if (upstream === undefined) throw new KINDS_ERR_OPTION('upstream', `must be "address:port" with an IP address, got ${JSON.stringify(upstreamText)}`)
  const timeout = options.timeout ?? 5000
  if (!Number.isInteger(timeout) || timeout <= 0) throw new KINDS_ERR_OPTION('timeout', `must be a positive integer (ms), got ${String(timeout)}`)

  const serve: ServeHandler = async (h, stream) => {
    const query = await dnsQuery(h, stream)
    if (!Buffer.isBuffer(query)) {
      if (query.status === 405) stream.reply.header('allow', 'GET, POST')
      return status(query.status, query.reason)
    }
    if (!parses(query)) return status(400, 'unparseable DNS message')
    let answer: Buffer
    try {
      answer = await forward(query, upstream, timeout)
    } catch (err) {
      if (err instanceof UpstreamTimeout) {
        stream.log.warn({ upstream: upstreamText, err: err.message }, 'DNS upstream timed out')
        return status(504, 'upstream timed out')
      }
      stream.log.error({ upstream: upstreamText, err }, 'DNS upstream failed')
      return status(502, 'upstream failed')
    }
    return status(200, answer, { mime: 'application/dns-message', maxAge: smallestTtl(answer) })
  }
  // Errors are plain text; a 200 gets the answer's max-age and any origin, as the original's.
  return {
    '/doh': ['text/plain', serve, null, null, true],
    '/dns-query': ['text/plain', serve, null, null, true]
  }
}

/** Whether `message` is one whole DNS message: dns-packet reads it, to its last byte. */
function parses (message: Buffer): boolean {
  try {
    dnsPacket.decode(message)
    return dnsPacket.decode.bytes === message.length
  } catch {
    return false
  }
}

export { parseUpstream, smallestTtl, type Upstream } from './upstream.js'
