import type { FastifyBaseLogger } from 'fastify'
import type { WebSocket } from 'ws'

/** Data a WebSocket message carries: text as a string, binary as a Buffer. */
export type WebSocketMessage = string | Buffer

/** How many bytes may wait in the socket before `send` waits for the peer to read. */
const HIGH_WATER_MARK = 64 * 1024
/** How many received messages are held before the socket stops reading. */
const RECEIVE_QUEUE = 64

/**
 * The WebSocket given to `onWebsocket`: `send` resolves to false once the peer is
 * gone and waits while it is slow; `receive` gives the next message or null.
 */
export class EndpointWebSocket implements AsyncIterable<WebSocketMessage> {
  /** The `ws` socket underneath, for those who want it. */
  readonly raw: WebSocket
  /** The logger of the upgrade request. */
  readonly log: FastifyBaseLogger
  readonly #controller = new AbortController()
  readonly #queue: WebSocketMessage[] = []
  readonly #waiting: Array<(message: WebSocketMessage | null) => void> = []

  constructor (socket: WebSocket, log: FastifyBaseLogger) {
    this.raw = socket
    this.log = log
    socket.on('message', (data, isBinary) => this.#onMessage(data as Buffer | Buffer[] | ArrayBuffer, isBinary))
    socket.once('close', () => this.#onClose())
  }

  /** The subprotocol agreed with the client (`json` when it offered it), or ''. */
  get protocol (): string {
    return this.raw.protocol
  }

  /** True once the socket is closing or closed. */
  get closed (): boolean {
    return this.raw.readyState !== this.raw.OPEN
  }

  /** Aborts when the socket closes, so `sleep(ms, ws.signal)` ends early. */
  get signal (): AbortSignal {
    return this.#controller.signal
  }

  /**
   * Sends a text (string) or binary (Buffer) message. Resolves to true once the
   * socket can take more, or false when the peer is gone.
   */
  send (data: string | Uint8Array): Promise<boolean> {
    const socket = this.raw
    if (socket.readyState !== socket.OPEN) return Promise.resolve(false)
    return new Promise(resolve => {
      let settled = false
      socket.send(data, err => {
        if (!settled) {
          settled = true
          resolve(err == null && socket.readyState === socket.OPEN)
        }
      })
      if (!settled && socket.bufferedAmount < HIGH_WATER_MARK) {
        settled = true
        resolve(true)
      }
    })
  }

  /** The next message, or null once the socket is closed. */
  receive (): Promise<WebSocketMessage | null> {
    const message = this.#queue.shift()
    if (message !== undefined) {
      if (this.#queue.length < RECEIVE_QUEUE / 2 && this.raw.isPaused) this.raw.resume()
      return Promise.resolve(message)
    }
    if (this.closed) return Promise.resolve(null)
    return new Promise(resolve => this.#waiting.push(resolve))
  }

  /** Closes the socket with `code` (default 1000) and `reason`. */
  close (code = 1000, reason?: string): void {
    if (this.raw.readyState === this.raw.CONNECTING || this.raw.readyState === this.raw.OPEN) {
      this.raw.close(code, reason)
    }
  }

  async * [Symbol.asyncIterator] (): AsyncIterator<WebSocketMessage> {
    while (true) {
      const message = await this.receive()
      if (message === null) return
      yield message
    }
  }

  #onMessage (data: Buffer | Buffer[] | ArrayBuffer, isBinary: boolean): void {
    const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
    const message = isBinary ? buffer : buffer.toString('utf8')
    const waiter = this.#waiting.shift()
    if (waiter !== undefined) {
      waiter(message)
      return
    }
    this.#queue.push(message)
    if (this.#queue.length >= RECEIVE_QUEUE && !this.raw.isPaused) this.raw.pause()
  }

  #onClose (): void {
    this.#controller.abort()
    for (const waiter of this.#waiting.splice(0)) waiter(null)
  }
}

/**
 * Waits `ms` milliseconds. Resolves to true after the full wait, or to false as
 * soon as `signal` aborts; no timer is left behind either way.
 */
export function sleep (ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false)
  return new Promise(resolve => {
    const onAbort = (): void => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
