import net from 'node:net'
import { once } from 'node:events'

/** One frame the server sent: its opcode and payload (server frames are never masked). */
export interface Frame {
  opcode: number
  payload: Buffer
}

/** A raw WebSocket client over a bare TCP socket, for frames no well-behaved client would send. */
export class RawWebSocket {
  readonly socket: net.Socket
  readonly frames: Frame[] = []
  /** True once the server ended or cut the TCP connection. */
  ended = false
  #buffer = Buffer.alloc(0)

  private constructor (socket: net.Socket, rest: Buffer) {
    this.socket = socket
    socket.on('data', chunk => this.#parse(chunk))
    socket.on('close', () => { this.ended = true })
    socket.on('error', () => { this.ended = true })
    this.#parse(rest)
  }

  /** Upgrades a fresh connection to `path`; resolves once the 101 is read. */
  static async open (port: number, path: string): Promise<RawWebSocket> {
    const socket = net.connect(port, '127.0.0.1')
    await once(socket, 'connect')
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`)
    let head = Buffer.alloc(0)
    while (!head.includes('\r\n\r\n')) {
      const [chunk] = await once(socket, 'data') as [Buffer]
      head = Buffer.concat([head, chunk])
    }
    const end = head.indexOf('\r\n\r\n') + 4
    if (!head.subarray(0, 12).toString().startsWith('HTTP/1.1 101')) throw new Error(`no 101: ${head.toString()}`)
    socket.pause()
    const raw = new RawWebSocket(socket, head.subarray(end))
    socket.resume()
    return raw
  }

  /** The close code the server sent, or null if it ended without a close frame. */
  get closeCode (): number | null {
    const close = this.frames.find(f => f.opcode === 8)
    if (close === undefined) return null
    return close.payload.length >= 2 ? close.payload.readUInt16BE(0) : 1005
  }

  /** Writes raw bytes to the server. */
  write (bytes: Buffer): void {
    this.socket.write(bytes)
  }

  #parse (chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk])
    while (this.#buffer.length >= 2) {
      const b = this.#buffer
      let length = b[1]! & 0x7f
      let offset = 2
      if (length === 126) {
        if (b.length < 4) return
        length = b.readUInt16BE(2)
        offset = 4
      } else if (length === 127) {
        if (b.length < 10) return
        length = Number(b.readBigUInt64BE(2))
        offset = 10
      }
      if (b.length < offset + length) return
      this.frames.push({ opcode: b[0]! & 0x0f, payload: b.subarray(offset, offset + length) })
      this.#buffer = b.subarray(offset + length)
    }
  }
}

/**
 * A client frame: `first` is the FIN/RSV/opcode byte (0x81 a final text frame),
 * masked with a zero key unless `masked` is false; `length` overrides the announced length.
 */
export function frame (first: number, payload: Buffer | string, { masked = true, length }: { masked?: boolean, length?: number } = {}): Buffer {
  const body = Buffer.from(payload)
  const announced = length ?? body.length
  const mask = masked ? 0x80 : 0
  let header: Buffer
  if (announced < 126) {
    header = Buffer.from([first, mask | announced])
  } else if (announced < 65536) {
    header = Buffer.alloc(4)
    header[0] = first
    header[1] = mask | 126
    header.writeUInt16BE(announced, 2)
  } else {
    header = Buffer.alloc(10)
    header[0] = first
    header[1] = mask | 127
    header.writeBigUInt64BE(BigInt(announced), 2)
  }
  return Buffer.concat([header, masked ? Buffer.alloc(4) : Buffer.alloc(0), body])
}
