import type { Socket } from 'node:net'

/** What a connection's first bytes say it speaks. */
export type FirstBytes = 'tls' | 'h2c' | 'http1'

/** The HTTP/2 client connection preface (RFC 9113, section 3.4): a client speaking h2c with prior knowledge sends it first. */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')

const TLS_HANDSHAKE = 0x16

/**
 * What the bytes read so far say: TLS (a handshake record, when `tls` is allowed),
 * h2c (the whole HTTP/2 preface) or HTTP/1.1; undefined while they are a
 * shorter prefix of the preface and could still be either.
 */
export function classify (bytes: Buffer, tls: boolean): FirstBytes | undefined {
  if (bytes.length === 0) return undefined
  if (tls && bytes[0] === TLS_HANDSHAKE) return 'tls'
  const n = Math.min(bytes.length, H2_PREFACE.length)
  if (bytes.compare(H2_PREFACE, 0, n, 0, n) !== 0) return 'http1'
  return n === H2_PREFACE.length ? 'h2c' : undefined
}

/**
 * Reads a new connection until its first bytes tell what it speaks, then puts them
 * back (paused) and calls `then`. A client that says nothing decidable within
 * `timeout` ms is cut off.
 */
export function sniff (socket: Socket, tls: boolean, timeout: number, then: (what: FirstBytes) => void): void {
  let seen: Buffer = Buffer.alloc(0)
  const onTimeout = (): void => { socket.destroy() }
  const onData = (chunk: Buffer): void => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk])
    const what = classify(seen, tls)
    if (what === undefined) return
    socket.off('data', onData)
    // The HTTP servers set their own socket timeouts: leave them no listener of ours.
    socket.off('timeout', onTimeout)
    socket.setTimeout(0)
    socket.pause()
    socket.unshift(seen)
    then(what)
  }
  socket.setTimeout(timeout)
  socket.once('timeout', onTimeout)
  socket.on('data', onData)
}
