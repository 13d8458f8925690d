// Hand-built HTTP/2 frames over TLS, for clients that misbehave in ways node's http2 client will not.
import { once } from 'node:events'
import { readdirSync } from 'node:fs'
import http2 from 'node:http2'
import tls from 'node:tls'
import { settles } from './sockets.ts'

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')
export const DATA = 0x0
export const HEADERS = 0x1
export const RST_STREAM = 0x3
export const SETTINGS = 0x4
export const PING = 0x6
export const GOAWAY = 0x7
export const WINDOW_UPDATE = 0x8
export const ACK = 0x1
export const END_STREAM = 0x1
export const END_HEADERS = 0x4

export function frame (type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9)
  head.writeUIntBE(payload.length, 0, 3)
  head[3] = type
  head[4] = flags
  head.writeUInt32BE(stream, 5)
  return Buffer.concat([head, payload])
}

/** An HPACK block for `GET /` (or `POST /upload`) on 127.0.0.1, from the static table. */
export function requestBlock (method: 'GET' | 'POST' = 'GET', path = '/'): Buffer {
  const pathField = path === '/' ? [0x84] : [0x44, path.length, ...Buffer.from(path)]
  return Buffer.from([method === 'GET' ? 0x82 : 0x83, 0x87, ...pathField, 0x41, 0x09, ...Buffer.from('127.0.0.1')])
}

/** `count` GET requests, each one HEADERS frame that ends its stream. */
export function headersFlood (count: number): Buffer {
  const block = requestBlock()
  const frames = [PREFACE, frame(SETTINGS, 0, 0)]
  for (let i = 0; i < count; i++) frames.push(frame(HEADERS, END_HEADERS | END_STREAM, 1 + 2 * i, block))
  return Buffer.concat(frames)
}

/** A TLS connection that offers only h2; errors are swallowed (the server cuts these clients). */
export async function h2Raw (port: number): Promise<tls.TLSSocket> {
  const socket = tls.connect({ host: '127.0.0.1', port, ALPNProtocols: ['h2'], rejectUnauthorized: false })
  socket.on('error', () => {})
  await settles(once(socket, 'secureConnect'), 'the TLS handshake')
  return socket
}

/** Frame types the server sent on `socket` from now on. */
export function frameTypes (socket: tls.TLSSocket): number[] {
  const types: number[] = []
  let buffered = Buffer.alloc(0)
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk])
    while (buffered.length >= 9) {
      const length = buffered.readUIntBE(0, 3)
      if (buffered.length < 9 + length) break
      types.push(buffered[3]!)
      buffered = buffered.subarray(9 + length)
    }
  })
  return types
}

/** What a test counts before and after a flood. */
export interface Resources { fds: number, handles: number, timers: number, rss: number }

export function resources (): Resources {
  return {
    fds: readdirSync('/proc/self/fd').length,
    handles: (process as unknown as { _getActiveHandles: () => unknown[] })._getActiveHandles().length,
    timers: process.getActiveResourcesInfo().filter(name => name === 'Timeout').length,
    rss: Math.round(process.memoryUsage().rss / 1048576)
  }
}

/** Waits until `check` holds (a hang guard, not a timing check); then gives what it last saw. */
export async function until<T> (read: () => T, check: (value: T) => boolean, what: string, ms = 8000): Promise<T> {
  return settles((async () => {
    for (;;) {
      const value = read()
      if (check(value)) return value
      await new Promise(resolve => setTimeout(resolve, 25))
    }
  })(), what, ms)
}

/** One GET / over node's own http2 client, trusting `ca`: the status and the body. */
export async function h2Get (port: number, ca: string): Promise<{ status: number, body: string }> {
  const client = http2.connect(`https://127.0.0.1:${port}`, { ca })
  client.on('error', () => {})
  try {
    const stream = client.request({ ':path': '/' })
    stream.setEncoding('utf8')
    let body = ''
    stream.on('data', (chunk: string) => { body += chunk })
    const [headers] = await settles(once(stream, 'response'), 'an HTTP/2 answer') as [http2.IncomingHttpHeaders]
    await settles(once(stream, 'end'), 'the end of the HTTP/2 answer')
    return { status: Number(headers[':status']), body }
  } finally {
    client.close()
  }
}
