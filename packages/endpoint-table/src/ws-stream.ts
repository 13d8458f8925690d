import type { FastifyBaseLogger } from 'fastify'
import type { WebSocket } from 'ws'
import { KINDS_ERR_WS_READ_RAW } from './errors.js'

/** Data a WebSocket message carries: text as a string, binary as a Buffer. */
export type WebSocketMessage = string | Buffer

/** How many bytes may wait in the socket before `send` waits for the peer to read. */
const HIGH_WATER_MARK = 64 * 1024
/** Unread messages a socket holds; past this count or RECEIVE_BYTES the oldest are dropped. */
export const RECEIVE_QUEUE = 64
/** Unread bytes a socket holds; past them the oldest messages are dropped. */
export const RECEIVE_BYTES = 1024 * 1024
/** Pongs not yet written when a ping arrives: past this, the peer floods and is closed with 1008. */
export const MAX_PENDING_PONGS = 60
/** Milliseconds a peer that sent a close frame, or is closed for a fault, has before it is cut. */
const CLOSE_GRACE = 1000
/** The longest WebSocket frame header (RFC 6455, 5.2): 2 bytes, 8 of length, no mask from a server. */
const MAX_FRAME_HEADER = 10
// What `send` answers when it has nothing to wait for: one settled promise each, shared by every call.
const SENT = Promise.resolve(true)
const GONE = Promise.resolve(false)

/** How often the server pings, in milliseconds; a socket that has not answered by the next ping is cut. */
export interface LivenessOptions {
  pingInterval: number
  /** False when `ws` answers pings itself (an app's own @fastify/websocket with autoPong on). */
  answerPings: boolean
}

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
  #queuedBytes = 0
  #dropped = 0
  #pendingPongs = 0
  #alive = true
  /** A `receive` was called: from then on the messages stay ours, whoever else listens. */
  #reading = false
  /** A 'message' listener on `raw` came first: it reads every message, and `receive` has none. */
  #readRaw = false
  readonly #heartbeat: NodeJS.Timeout | undefined
  #closeTimer: NodeJS.Timeout | undefined

  constructor (socket: WebSocket, log: FastifyBaseLogger, liveness?: LivenessOptions) {
    this.raw = socket
    this.log = log
    // The socket is never paused: control frames share its byte stream, and are read whatever the handler does.
    socket.on('message', this.#onMessage)
    socket.on('newListener', this.#onNewListener)
    if (liveness?.answerPings !== false) socket.on('ping', data => this.#onPing(data))
    else socket.on('ping', () => { this.#alive = true })
    socket.on('pong', () => { this.#alive = true })
    socket.once('close', () => this.#onClose())
    if (liveness !== undefined) {
      this.#heartbeat = setInterval(() => this.#beat(), liveness.pingInterval).unref()
    }
  }

  /** How many messages were dropped unread because the handler did not keep up. */
  get dropped (): number {
    return this.#dropped
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
    if (socket.readyState !== socket.OPEN) return GONE
    // Room for the message whatever its size in bytes (a UTF-16 unit is at most 3 in UTF-8): it is
    // sent without a callback and answered with a shared promise, nothing made per message. A write
    // that fails closes the socket, and the next call answers false.
    const size = typeof data === 'string' ? data.length * 3 : data.byteLength
    if (socket.bufferedAmount + size + MAX_FRAME_HEADER < HIGH_WATER_MARK) {
      socket.send(data)
      return SENT
    }
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
    if (this.#readRaw) return Promise.reject(new KINDS_ERR_WS_READ_RAW())
    if (!this.#reading) {
      this.#reading = true
      this.raw.off('newListener', this.#onNewListener)
    }
    const message = this.#queue.shift()
    if (message !== undefined) {
      this.#queuedBytes -= message.length
      return Promise.resolve(message)
    }
    if (this.closed) return Promise.resolve(null)
    return new Promise(this.#park)
  }

  /** Queues the resolver of a `receive` that waits: one function for all of them, no closure per message. */
  readonly #park = (resolve: (message: WebSocketMessage | null) => void): void => {
    this.#waiting.push(resolve)
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

  /**
   * A handler that listens to `raw`'s messages itself before its first `receive` reads them
   * as `ws` gives them: none is decoded, queued or dropped for a `receive` that never comes.
   */
  readonly #onNewListener = (event: string | symbol, listener: unknown): void => {
    if (event !== 'message' || listener === this.#onMessage) return
    const socket = this.raw
    socket.off('newListener', this.#onNewListener)
    socket.off('message', this.#onMessage)
    this.#readRaw = true
    // Messages that came before the listener will never be read: dropped, and counted as such.
    this.#dropped += this.#queue.length
    this.#queue.length = 0
    this.#queuedBytes = 0
  }

  readonly #onMessage = (data: Buffer | Buffer[] | ArrayBuffer, isBinary: boolean): void => {
    this.#alive = true
    const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
    const message = isBinary ? buffer : buffer.toString('utf8')
    const waiter = this.#waiting.shift()
    if (waiter !== undefined) {
      waiter(message)
      return
    }
    this.#queue.push(message)
    this.#queuedBytes += message.length
    while (this.#queue.length > RECEIVE_QUEUE || (this.#queuedBytes > RECEIVE_BYTES && this.#queue.length > 1)) {
      this.#queuedBytes -= this.#queue.shift()!.length
      if (this.#dropped++ === 0) this.log.warn({ limit: RECEIVE_QUEUE, bytes: RECEIVE_BYTES }, 'websocket messages dropped: the handler does not read them')
    }
  }

  /** Answers a ping; a peer with more than MAX_PENDING_PONGS pongs not yet written is closed with 1008. */
  #onPing (data: Buffer): void {
    this.#alive = true
    const socket = this.raw
    if (socket.readyState !== socket.OPEN) return
    if (this.#pendingPongs >= MAX_PENDING_PONGS) {
      this.log.info({ pending: this.#pendingPongs }, 'websocket ping flood: closing with 1008')
      this.#closeFor(1008, 'too many pings')
      return
    }
    this.#pendingPongs++
    socket.pong(data, false, () => { this.#pendingPongs-- })
  }

  /** One heartbeat: a socket that has not answered since the last ping is cut, the others pinged. */
  #beat (): void {
    const socket = this.raw
    if (socket.readyState !== socket.OPEN) return
    if (!this.#alive) {
      this.log.info('websocket did not answer a ping in time: cut')
      socket.terminate()
      return
    }
    this.#alive = false
    socket.ping()
  }

  /** Sends a close frame with `code` and cuts the socket if the peer does not answer it soon. */
  #closeFor (code: number, reason: string): void {
    this.raw.close(code, reason)
    this.#closeTimer ??= setTimeout(() => this.raw.terminate(), CLOSE_GRACE).unref()
  }

  #onClose (): void {
    clearInterval(this.#heartbeat)
    clearTimeout(this.#closeTimer)
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
