import { createSocket } from 'node:dgram'
import { isIP } from 'node:net'
import { connect } from 'node:net'
import dnsPacket from 'dns-packet'

/** Where queries go: a DNS server's address and port. */
export interface Upstream { host: string, port: number }

/** Parses `host:port` (`[v6]:port` for IPv6; the port defaults to 53); undefined when it is not one. */
export function parseUpstream (text: string): Upstream | undefined {
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text)
  if (match === null) return undefined
  const host = match[1]!
  const port = match[2] === undefined ? 53 : Number(match[2])
  const family = isIP(host)
  if (family === 0 || !Number.isInteger(port) || port < 1 || port > 65535) return undefined
  // One spelling of each IPv6 address (`0:0::1` is `::1`), as the logs and errors give it.
  return { host: family === 6 ? new URL(`http://[${host}]/`).hostname.slice(1, -1) : host, port }
}

/** The upstream did not answer in time. */
export class UpstreamTimeout extends Error {
  override name = 'UpstreamTimeout'
}

/**
 * Sends `query` to `upstream` over UDP and gives its answer; asks again over TCP
 * when that answer is truncated (TC). Rejects with UpstreamTimeout after `timeout` ms
 * in all.
 */
export async function forward (query: Buffer, upstream: Upstream, timeout: number): Promise<Buffer> {
  const deadline = new AbortController()
  // Cleared as soon as there is an answer: no timer outlives its query.
  const timer = setTimeout(() => deadline.abort(), timeout)
  try {
    const id = query.readUInt16BE(0)
    const answer = await overUdp(query, id, upstream, deadline.signal)
    if ((answer.readUInt16BE(2) & dnsPacket.TRUNCATED_RESPONSE) === 0) return answer
    return await overTcp(query, id, upstream, deadline.signal)
  } finally {
    clearTimeout(timer)
  }
}

/** A query settled once: its answer, an error, or UpstreamTimeout when the deadline fires, whichever comes first. */
interface Settlement {
  done (err: Error | null, answer?: Buffer): void
  /** Whether it is settled already, for callbacks that come late. */
  settled (): boolean
}

/** Settles with `resolve` or `reject` once; `release` (closing the socket) runs first, once. */
function settleOnce (abort: AbortSignal, timeout: string, release: () => void, resolve: (answer: Buffer) => void, reject: (err: Error) => void): Settlement {
  let settled = false
  const done = (err: Error | null, answer?: Buffer): void => {
    // An abort and a late socket error may both come.
    if (settled) return
    settled = true
    abort.removeEventListener('abort', onAbort)
    release()
    if (err !== null) reject(err)
    else resolve(answer!)
  }
  const onAbort = (): void => done(new UpstreamTimeout(timeout))
  if (abort.aborted) onAbort()
  else abort.addEventListener('abort', onAbort)
  return { done, settled: () => settled }
}

function overUdp (query: Buffer, id: number, upstream: Upstream, abort: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIP(upstream.host) === 6 ? 'udp6' : 'udp4')
    const { done, settled } = settleOnce(abort, `no answer from ${upstream.host}:${upstream.port} over UDP`, () => socket.close(), resolve, reject)
    if (settled()) return
    socket.on('error', err => done(err))
    // A connected socket: the kernel gives it datagrams from the upstream only, however its address is written.
    // Of those, only an answer to this query's ID counts; anything else is dropped.
    socket.on('message', message => {
      if (message.length < 12 || message.readUInt16BE(0) !== id) return
      done(null, message)
    })
    socket.connect(upstream.port, upstream.host, () => {
      if (!settled()) socket.send(query, err => { if (err != null) done(err) })
    })
  })
}

function overTcp (query: Buffer, id: number, upstream: Upstream, abort: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: upstream.host, port: upstream.port, noDelay: true })
    const { done, settled } = settleOnce(abort, `no answer from ${upstream.host}:${upstream.port} over TCP`, () => socket.destroy(), resolve, reject)
    if (settled()) return
    let seen = Buffer.alloc(0)
    socket.on('error', err => done(err))
    socket.on('end', () => done(new Error(`${upstream.host}:${upstream.port} closed the TCP connection without an answer`)))
    socket.on('data', (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk])
      if (seen.length < 2 || seen.length < 2 + seen.readUInt16BE(0)) return
      const answer = seen.subarray(2, 2 + seen.readUInt16BE(0))
      if (answer.length < 12 || answer.readUInt16BE(0) !== id) return done(new Error(`${upstream.host}:${upstream.port} answered another query over TCP`))
      done(null, answer)
    })
    const length = Buffer.alloc(2)
    length.writeUInt16BE(query.length)
    socket.write(Buffer.concat([length, query]))
  })
}

/**
 * How long the answer may be cached: the smallest TTL of its records (every
 * section but OPT; a SOA counts its minimum too), 0 when it has none or cannot be read.
 */
export function smallestTtl (answer: Buffer): number {
  let packet: dnsPacket.DecodedPacket
  try {
    packet = dnsPacket.decode(answer)
  } catch {
    return 0
  }
  let ttl: number | undefined
  for (const record of [...(packet.answers ?? []), ...(packet.authorities ?? []), ...(packet.additionals ?? [])]) {
    if (record.type === 'OPT' || record.type === 'TSIG') continue
    const r = record as { ttl?: number, type: string, data?: { minimum?: number } }
    const values = [r.ttl ?? 0]
    if (r.type === 'SOA' && typeof r.data?.minimum === 'number') values.push(r.data.minimum)
    ttl = Math.min(ttl ?? Infinity, ...values)
  }
  return ttl ?? 0
}
