import { PassThrough } from 'node:stream'
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify'
import { KINDS_ERR_BODY_JSON, KINDS_ERR_HEADERS_SENT, KINDS_ERR_STATUS } from './errors.js'
import { isStatusCode } from './status.js'
import { toReplyHeaders, type HeaderInput } from './response-headers.js'

/** An address of one end of the connection. */
export interface SocketAddress {
  address: string
  port: number
  family: string
}

const empty = Buffer.alloc(0)

/**
 * The original's `stream`: the request body, both ends' addresses, a logger, an
 * AbortSignal, and `writeHeaders`/`writeChunk` for handlers that answer themselves.
 */
export class EndpointStream {
  /** The Fastify request, for those who want it. */
  readonly request: FastifyRequest
  /** The Fastify reply, for those who want it. */
  readonly reply: FastifyReply
  #body: PassThrough | null = null
  // Set at once: with async onSend hooks, `reply.sent` turns true only later.
  #started = false

  constructor (request: FastifyRequest, reply: FastifyReply) {
    this.request = request
    this.reply = reply
  }

  /** The logger of this request (a pino child logger). */
  get log (): FastifyBaseLogger {
    return this.request.log
  }

  /** Aborts when the client goes away before the response is done. */
  get signal (): AbortSignal {
    return this.request.signal
  }

  /** The client's end of the connection. */
  get peer (): SocketAddress {
    const socket = this.request.raw.socket
    return { address: socket?.remoteAddress ?? '', port: socket?.remotePort ?? 0, family: socket?.remoteFamily ?? '' }
  }

  /** This server's end of the connection. */
  get local (): SocketAddress {
    const socket = this.request.raw.socket
    const address = socket?.localAddress ?? ''
    return { address, port: socket?.localPort ?? 0, family: address.includes(':') ? 'IPv6' : address === '' ? '' : 'IPv4' }
  }

  /** The request body as bytes (empty when there is none). */
  async getBody (): Promise<Buffer> {
    const body = this.request.body
    return Buffer.isBuffer(body) ? body : empty
  }

  /** The request body decoded as UTF-8. */
  async getBodyAsString (): Promise<string> {
    return (await this.getBody()).toString('utf8')
  }

  /** The request body parsed as JSON; rejects with a 400 error (`KINDS_ERR_BODY_JSON`) when it is not JSON. */
  async getBodyAsJson<T = unknown> (): Promise<T> {
    const text = await this.getBodyAsString()
    try {
      return JSON.parse(text) as T
    } catch (err) {
      throw new KINDS_ERR_BODY_JSON((err as Error).message)
    }
  }

  /** True once the handler has started its own response. */
  get headersWritten (): boolean {
    return this.#started || this.reply.sent
  }

  /**
   * Starts the response: `:status` (default 200) and the headers. With `endStream`
   * the response ends here. Resolves to false when the client is already gone.
   */
  async writeHeaders (headers: HeaderInput, endStream = false): Promise<boolean> {
    if (this.headersWritten) throw new KINDS_ERR_HEADERS_SENT(this.request.url)
    const { status, fields } = toReplyHeaders(headers)
    if (status !== undefined && !isStatusCode(status)) throw new KINDS_ERR_STATUS(String(status))
    this.reply.code(status ?? 200)
    this.reply.headers(fields)
    if (this.request.raw.destroyed) return false
    this.#started = true
    if (endStream) {
      this.reply.send()
      return true
    }
    this.#body = new PassThrough()
    this.reply.send(this.#body)
    return true
  }

  /** Ends a body started with `writeHeaders(h, false)`, if the handler did not. */
  end (): void {
    if (this.#body !== null && !this.#body.writableEnded) this.#body.end()
  }

  /**
   * Sends a piece of the body, waiting while the client is slow to read it; with
   * `endStream` the response ends. Resolves to false when the client is gone.
   */
  async writeChunk (data: string | Uint8Array, endStream = false): Promise<boolean> {
    if (this.#body === null) {
      if (this.headersWritten) return false
      await this.writeHeaders({ ':status': 200 })
    }
    const body = this.#body
    // Writing past the end would error the stream, and Fastify would cut the response short.
    if (body === null || body.writableEnded || body.destroyed || this.reply.raw.destroyed) return false
    const full = !body.write(data)
    if (endStream) body.end()
    if (full && !endStream) return await drained(body, this.reply)
    return true
  }
}

function drained (body: PassThrough, reply: FastifyReply): Promise<boolean> {
  return new Promise(resolve => {
    const done = (ok: boolean): void => {
      body.off('drain', onDrain)
      reply.raw.off('close', onClose)
      resolve(ok)
    }
    const onDrain = (): void => done(true)
    const onClose = (): void => done(false)
    body.once('drain', onDrain)
    reply.raw.once('close', onClose)
  })
}
