import { createServer as createHttp1, type IncomingMessage, type Server as Http1Server, type ServerResponse } from 'node:http'
import { createServer as createHttp2, type Http2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2'
import { createServer as createTcp, type Server as TcpServer, type Socket } from 'node:net'
import { createServer as createTls, type SecureContextOptions, type Server as TlsServer, type TLSSocket } from 'node:tls'
import type { Duplex } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import type { WebSocket } from 'ws'
import type { ResolvedConfig } from './config.js'
import { tickFor, type Deadlines } from './deadlines.js'
import { SessionGuard } from './h2-session-guard.js'
import { toleratedAuthority } from './authority.js'
import { sniff } from './sniff.js'
import { moved, silentFor, type Movement } from './silence.js'
import { deferPipelined, MAX_QUEUED_PER_CONNECTION, mustWait } from './fair-queue.js'

/** Where a listener listens. */
export type ListenTarget =
  | { host: string, port: number }
  | { path: string }
  | { fd: number }

/** What `net.list()` reports of a listener. */
export interface ListenerInfo {
  kind: string
  address?: string
  port?: number
  path?: string
  fd?: number
  /** true: TLS only, false: plain only, 'auto': both on one port. */
  tls: boolean | 'auto'
  protocols: string[]
  connections: number
}

/** What a listener needs from the router: the kind's current config and where to send requests. */
export interface ListenerHost {
  kindConfig (kind: string): ResolvedConfig
  secureContext (kind: string): SecureContextOptions | undefined
  dispatch (kind: string, req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void
  upgrade (kind: string, req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Where a body still arriving is watched, with every kind's handler timeouts. */
  readonly deadlines: Deadlines
  log: FastifyBaseLogger
}

/**
 * An address as people write it: `127.0.0.1:8080`, `[::1]:8080`, a socket path or
 * `fd 3`. Takes a listen target or what `net.list()` reports.
 */
export function formatAddress (where: ListenTarget | Pick<ListenerInfo, 'address' | 'port' | 'path' | 'fd'>): string {
  const w = where as { host?: string, address?: string, port?: number, path?: string, fd?: number }
  if (w.fd !== undefined) return `fd ${w.fd}`
  if (w.path !== undefined) return w.path
  const host = w.host ?? w.address ?? ''
  return host.includes(':') ? `[${host}]:${w.port}` : `${host}:${w.port}`
}

/**
 * What RFC 7540 (appendix A) lets HTTP/2 run over, so every cipher a client can
 * get allows h2: TLS 1.3, or TLS 1.2 with ECDHE and an AEAD cipher. Part of every
 * secure context, since setSecureContext forgets what it is not given again.
 */
const tlsPolicy = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305'
  ].join(':'),
  honorCipherOrder: true
} as const satisfies SecureContextOptions
const listeners = new WeakMap<object, Listener>()

/** What Node's server adds to keepAliveTimeout before it closes (HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER), so a client that reuses the connection at the advertised limit does not race the close. */
const KEEP_ALIVE_BUFFER = 1000

/**
 * Node's own fields, both there since Node 8: the response the connection is
 * serving (null between requests) and the keep-alive limit a response advertises
 * (`Keep-Alive: timeout=N`), which Node copies from `server.keepAliveTimeout`.
 */
type Http1Socket = Duplex & { _httpMessage?: ServerResponse | null, bytesWritten?: number }
type Http1Response = ServerResponse & { _keepAliveTimeout: number }

/** The listener a connection came through, for every socket layer of it. */
export function listenerOf (socket: object | null | undefined): Listener | undefined {
  return socket == null ? undefined : listeners.get(socket)
}

/**
 * One listening socket of a kind: plain HTTP/1.1, TLS with ALPN h2 and http/1.1,
 * or both told apart by the first byte. It owns its connections, not the kind's instance.
 */
export class Listener {
  readonly kind: string
  readonly target: ListenTarget
  readonly #host: ListenerHost
  readonly #tcp: TcpServer
  readonly #http1: Http1Server
  readonly #http2: Http2Server
  #tls: TlsServer | undefined
  readonly #sockets = new Set<Socket>()
  /** Connections that may not have sent a byte yet, oldest first: evicted when the listener is full. */
  readonly #waiting = new Set<Socket>()
  readonly #sessions = new Set<Http2Session>()
  readonly #guard: SessionGuard
  /** The TLS socket an HTTP/2 session is being made on, for the guard. */
  #h2Socket: Duplex | undefined
  readonly #websockets = new Set<WebSocket>()
  /** HTTP/1.1 connections and the bytes they had moved at the last look: idleTimeout and keepAliveTimeout without a timer per request, read or write. */
  readonly #idle = new Map<Duplex, Movement>()
  #idleTimer: NodeJS.Timeout | undefined
  #idleTick = 0
  #closing: Promise<void> | undefined

  constructor (kind: string, target: ListenTarget, host: ListenerHost) {
    this.kind = kind
    this.target = target
    this.#host = host
    const config = host.kindConfig(kind)
    this.#tcp = createTcp({ noDelay: true }, socket => this.#onConnection(socket))
    // Node checks header and request timeouts every connectionsCheckingInterval (30 s by default): check often enough to honour them.
    this.#http1 = createHttp1({ noDelay: true, connectionsCheckingInterval: checkInterval(config) })
    this.#http1.on('request', (req, res) => this.#onRequest(req, res))
    this.#http1.on('checkContinue', (req, res) => this.#onCheckContinue(req, res))
    this.#http1.on('connect', (req, socket) => this.#onConnect(req, socket))
    this.#http1.on('upgrade', (req, socket, head) => {
      // An upgraded socket is not cut for silence: wsPingInterval finds the dead ones.
      this.#idle.delete(socket)
      host.upgrade(this.kind, req, socket, head)
    })
    this.#http1.on('clientError', (err: NodeJS.ErrnoException, socket) => this.#onClientError(err, socket))
    // The HTTP server never listens itself: this starts its header and request timeout checks.
    this.#http1.emit('listening')
    this.#http2 = createHttp2({
      settings: { maxConcurrentStreams: config.maxConcurrentStreams },
      maxSessionMemory: config.maxSessionMemory
    })
    this.#http2.on('request', (req, res) => this.#onRequest(req, res))
    this.#http2.on('checkContinue', (req, res) => this.#onCheckContinue(req, res))
    this.#guard = new SessionGuard(kind, () => host.kindConfig(kind), () => checkInterval(host.kindConfig(kind)), host.log)
    this.#http2.on('session', session => {
      this.#sessions.add(session)
      session.once('close', () => this.#sessions.delete(session))
      if (this.#h2Socket !== undefined) this.#guard.add(session, this.#h2Socket)
    })
    this.applyConfig()
  }

  /** Follows the kind's current config: timeouts and limits. */
  applyConfig (): void {
    const config = this.#host.kindConfig(this.kind)
    // Node wants headersTimeout <= requestTimeout (checked only at creation) and misses requestTimeout otherwise.
    this.#http1.headersTimeout = Math.min(config.headersTimeout, config.requestTimeout)
    this.#http1.requestTimeout = config.requestTimeout
    // HTTP/1.1 silence, between requests (keepAliveTimeout) or at any time (idleTimeout), is this
    // listener's sweep (#checkIdle), as HTTP/2's is the session guard's: Node would set a socket
    // timer after every response and clear it at the next request.
    this.#http1.keepAliveTimeout = 0
    this.#http1.timeout = 0
    if (this.#idleTimer !== undefined && idleTick(config) !== this.#idleTick) this.#startIdleChecks()
    // HTTP/2 silence is the session guard's (bytes moved, checked every tick): Node's session timer would be refreshed on every frame.
    this.#http2.updateSettings({ maxConcurrentStreams: config.maxConcurrentStreams })
    if (this.#tls !== undefined) {
      const context = this.#host.secureContext(this.kind)
      if (context !== undefined) this.#tls.setSecureContext({ ...context, ...tlsPolicy })
    }
  }

  /** Serves a new certificate from the next handshake on. */
  setSecureContext (context: SecureContextOptions): void {
    this.#tls?.setSecureContext({ ...context, ...tlsPolicy })
  }

  /** Binds the socket; rejects with the system error (EADDRINUSE, EACCES...). */
  listen (): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err)
      this.#tcp.once('error', onError)
      const done = (): void => {
        this.#tcp.off('error', onError)
        this.#tcp.on('error', err => this.#host.log.error({ err, kind: this.kind }, 'listener error'))
        resolve()
      }
      const t = this.target
      if ('fd' in t) this.#tcp.listen({ fd: t.fd }, done)
      else if ('path' in t) this.#tcp.listen({ path: t.path }, done)
      else this.#tcp.listen({ host: t.host, port: t.port, ipv6Only: t.host.includes(':') }, done)
    })
  }

  info (): ListenerInfo {
    const tls = this.#host.kindConfig(this.kind).tls ?? 'auto'
    const info: ListenerInfo = {
      kind: this.kind,
      tls,
      // A port that reads the first bytes also takes h2c with prior knowledge (the HTTP/2 preface in clear).
      protocols: tls === true ? ['h2', 'http/1.1'] : tls === false ? ['http/1.1', 'h2c'] : ['h2', 'http/1.1', 'h2c'],
      connections: this.#sockets.size
    }
    const address = this.#tcp.address()
    if (typeof address === 'string') info.path = address
    else if (address !== null) {
      info.address = address.address
      info.port = address.port
    }
    if ('fd' in this.target) info.fd = this.target.fd
    return info
  }

  /** The port bound, for a TCP listener. */
  get port (): number | undefined {
    const address = this.#tcp.address()
    return typeof address === 'object' && address !== null ? address.port : undefined
  }

  /** A WebSocket opened through this listener, so closing the listener can say 1001. */
  trackWebSocket (ws: WebSocket): void {
    if (this.#closing !== undefined) {
      ws.close(1001, 'listener closing')
      return
    }
    this.#websockets.add(ws)
    ws.once('close', () => this.#websockets.delete(ws))
  }

  /**
   * Stops accepting, lets in-flight requests finish within `grace` ms, closes
   * WebSockets with 1001 and idle connections, then cuts whatever is left.
   */
  close (grace: number): Promise<void> {
    this.#closing ??= this.#close(grace)
    return this.#closing
  }

  async #close (grace: number): Promise<void> {
    const stopped = new Promise<void>(resolve => this.#tcp.close(() => resolve()))
    for (const ws of this.#websockets) ws.close(1001, 'listener closing')
    for (const session of this.#sessions) session.close()
    const deadline = Date.now() + grace
    while (this.#sockets.size > 0 && Date.now() < deadline) {
      this.#http1.closeIdleConnections()
      await new Promise(resolve => setTimeout(resolve, 25))
    }
    for (const ws of this.#websockets) ws.terminate()
    for (const socket of this.#sockets) socket.destroy()
    clearInterval(this.#idleTimer)
    this.#http1.close()
    this.#http2.close()
    this.#tls?.close()
    await stopped
  }

  #onConnection (socket: Socket): void {
    if (this.#closing !== undefined) {
      socket.destroy()
      return
    }
    const config = this.#host.kindConfig(this.kind)
    if (this.#sockets.size >= config.maxConnections && !this.#evictSilent()) {
      this.#host.log.info({ kind: this.kind, maxConnections: config.maxConnections, peer: socket.remoteAddress }, 'connection refused: maxConnections reached')
      socket.destroy()
      return
    }
    this.#sockets.add(socket)
    this.#waiting.add(socket)
    listeners.set(socket, this)
    socket.once('close', () => {
      this.#sockets.delete(socket)
      this.#waiting.delete(socket)
    })
    socket.on('error', () => {})
    const { tls, headersTimeout } = config
    if (tls === true) return this.#toTls(socket)
    // Plain (and TLS, unless plain only) on one port: a TLS client speaks first with a handshake record, an h2c one with the HTTP/2 preface.
    sniff(socket, tls !== false, headersTimeout, what => {
      if (what === 'tls') {
        // TLS takes the buffered bytes over itself (tls_wrap's initRead).
        this.#toTls(socket)
      } else if (what === 'h2c') {
        this.#toHttp2(socket)
      } else {
        this.#toHttp1(socket)
        socket.resume()
      }
    })
  }

  /**
   * At the cap, the oldest connection that has not sent a byte makes room for the new one,
   * so idle connects cannot lock real clients out; false if every connection has spoken.
   */
  #evictSilent (): boolean {
    for (const socket of this.#waiting) {
      this.#waiting.delete(socket)
      if (socket.bytesRead > 0 || socket.destroyed) continue
      this.#host.log.info({ kind: this.kind, peer: socket.remoteAddress }, 'connection evicted: it sent nothing and the listener is full')
      socket.destroy()
      return true
    }
    return false
  }

  #onRequest (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void {
    const config = this.#host.kindConfig(this.kind)
    if (hostCount(req.rawHeaders) > 1) {
      this.#refuse(req, res, 400, 'more than one Host header')
      return
    }
    if (!req.complete && hasBody(req)) this.#bodyDeadline(req, res, Math.min(config.requestTimeout, config.handlerTimeout))
    // HTTP/2 streams of one connection are bounded by maxConcurrentStreams.
    if ('stream' in req) return this.#host.dispatch(this.kind, req, res)
    // The server's own keepAliveTimeout is 0 (see applyConfig): the client is still told the kind's.
    ;(res as Http1Response)._keepAliveTimeout = config.keepAliveTimeout
    // HTTP/1.1 pipelining: Node gives a response its socket only when the ones before it are done.
    if ((res as ServerResponse).socket === null || mustWait(req.socket as Socket)) this.#later(req, res)
    else this.#host.dispatch(this.kind, req, res)
  }

  /** A pipelined request, or a new connection's first one in a busy turn, waits its turn in the queue. */
  #later (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void {
    const socket = req.socket as Socket
    if (deferPipelined(socket, () => this.#host.dispatch(this.kind, req, res))) return
    if (socket.destroyed) return
    this.#host.log.info({ kind: this.kind, peer: socket.remoteAddress, limit: MAX_QUEUED_PER_CONNECTION }, 'connection closed: too many pipelined requests waiting')
    socket.destroy()
  }

  /** A body that has not arrived when time is up gets 408, before the handler's own timeout can say 503; checked by the router's sweep. */
  #bodyDeadline (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse, ms: number): void {
    this.#host.deadlines.body(req, res, ms, this.#lateBody)
  }

  readonly #lateBody = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void => {
    if (req.complete || res.headersSent) return
    this.#refuse(req, res, 408, 'request body not complete within requestTimeout')
  }

  /** `expect: 100-continue`: a body announced over the limit gets 413 at once, without `100 Continue`. */
  #onCheckContinue (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void {
    const length = Number(req.headers['content-length'])
    if (length > this.#host.kindConfig(this.kind).bodyLimit) {
      this.#refuse(req, res, 413, 'announced body over bodyLimit')
      return
    }
    // A request refused anyway is refused before the client is told to send its body.
    if (hostCount(req.rawHeaders) > 1) {
      this.#refuse(req, res, 400, 'more than one Host header')
      return
    }
    res.writeContinue()
    this.#onRequest(req, res)
  }

  /** CONNECT: no kind is a proxy. */
  #onConnect (req: IncomingMessage, socket: Duplex): void {
    this.#host.log.info({ kind: this.kind, method: req.method, status: 405 }, 'bad request from client')
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nconnection: close\r\ncontent-length: 0\r\n\r\n')
  }

  /** Answers `status` without a body, logs one line and closes the connection (HTTP/1.1) or the stream (HTTP/2). */
  #refuse (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse, status: number, why: string): void {
    this.#host.log.info({ kind: this.kind, method: req.method, path: req.url, status }, why)
    if (req.httpVersionMajor < 2) (res as ServerResponse).setHeader('connection', 'close')
    res.statusCode = status
    res.setHeader('content-length', 0)
    res.end()
  }

  /** An HTTP/2 connection, over TLS or h2c: the first request's header block gets a tolerated :authority, then nghttp2 has it. */
  #toHttp2 (socket: Duplex): void {
    toleratedAuthority(socket, this.#host.kindConfig(this.kind).headersTimeout, () => {
      // The 'session' event fires inside this emit: the guard learns which socket the session runs on.
      this.#h2Socket = socket
      this.#http2.emit('connection', socket)
      this.#h2Socket = undefined
    })
  }

  #toHttp1 (socket: Duplex): void {
    this.#idle.set(socket, { bytes: moved(socket), movedAt: Date.now() })
    socket.once('close', () => this.#idle.delete(socket))
    if (this.#idleTimer === undefined) this.#startIdleChecks()
    this.#http1.emit('connection', socket)
  }

  #startIdleChecks (): void {
    clearInterval(this.#idleTimer)
    this.#idleTick = idleTick(this.#host.kindConfig(this.kind))
    this.#idleTimer = setInterval(() => this.#checkIdle(), this.#idleTick).unref()
  }

  /**
   * A connection that has read and written nothing for idleTimeout is cut, as Node's
   * server.timeout would; one that has answered and waits for its next request is
   * closed after keepAliveTimeout (and Node's second more) of silence, as Node's
   * keep-alive timer would.
   */
  #checkIdle (): void {
    const now = Date.now()
    const { idleTimeout, keepAliveTimeout } = this.#host.kindConfig(this.kind)
    const betweenRequests = Math.min(idleTimeout, keepAliveTimeout + KEEP_ALIVE_BUFFER)
    for (const [socket, seen] of this.#idle) {
      if (!silentFor(seen, socket, now, waitsForRequest(socket) ? betweenRequests : idleTimeout)) continue
      this.#idle.delete(socket)
      socket.destroy()
    }
  }

  #toTls (socket: Socket): void {
    this.#tls ??= this.#createTls()
    this.#tls.emit('connection', socket)
  }

  #createTls (): TlsServer {
    const context = this.#host.secureContext(this.kind)
    const server = createTls({
      ...context,
      ...tlsPolicy,
      ALPNProtocols: ['h2', 'http/1.1'],
      handshakeTimeout: this.#host.kindConfig(this.kind).headersTimeout
    })
    server.on('secureConnection', (socket: TLSSocket) => {
      listeners.set(socket, this)
      if (socket.alpnProtocol === 'h2') this.#toHttp2(socket)
      else this.#toHttp1(socket)
    })
    server.on('tlsClientError', (err: NodeJS.ErrnoException, socket) => {
      this.#host.log.info({ kind: this.kind, err: { code: err.code, message: err.message }, peer: socket.remoteAddress }, 'TLS handshake failed')
      socket.destroy()
    })
    return server
  }

  #onClientError (err: NodeJS.ErrnoException, socket: Duplex): void {
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
    this.#host.log.info({ kind: this.kind, err: { code: err.code, message: err.message }, status }, 'bad request from client')
    const reason = status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
  }
}

/** How often the HTTP/1.1 silence sweep looks: a quarter of the shorter of idleTimeout and keepAliveTimeout, 10 ms to a second. */
function idleTick (config: ResolvedConfig): number {
  return tickFor(Math.min(config.idleTimeout, config.keepAliveTimeout))
}

/** A connection that has sent a response and is not serving one: the keep-alive wait between two requests. */
function waitsForRequest (socket: Duplex): boolean {
  const s = socket as Http1Socket
  return s._httpMessage == null && (s.bytesWritten ?? 0) > 0
}

/** Host headers of a request as sent (Node keeps only the first). */
function hostCount (raw: string[]): number {
  let n = 0
  for (let i = 0; i < raw.length; i += 2) if (isHost(raw[i]!)) n++
  return n
}

/** `host` in any case, letter by letter (`| 32` folds only A-Z onto a-z here): no lower-cased copy of every header name. */
function isHost (name: string): boolean {
  return name.length === 4 && (name.charCodeAt(0) | 32) === 104 && (name.charCodeAt(1) | 32) === 111 &&
    (name.charCodeAt(2) | 32) === 115 && (name.charCodeAt(3) | 32) === 116
}

function hasBody (req: IncomingMessage | Http2ServerRequest): boolean {
  // HTTP/2: a body follows unless the HEADERS frame ended the stream.
  if ('stream' in req) return !req.stream.endAfterHeaders
  const h = req.headers
  return (h['content-length'] !== undefined && h['content-length'] !== '0') || h['transfer-encoding'] !== undefined
}

/** How often the HTTP server looks for connections past headersTimeout or requestTimeout: a quarter of the shorter, at most a second. */
function checkInterval (config: ResolvedConfig): number {
  return Math.max(10, Math.min(1000, Math.floor(Math.min(config.headersTimeout, config.requestTimeout) / 4)))
}
