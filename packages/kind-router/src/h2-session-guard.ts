import { constants as http2constants, type Http2Session, type Http2Stream } from 'node:http2'
import type { Duplex } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import { moved, silentFor, type Movement } from './silence.js'

/** The timeouts a guard applies, read at every check so a new config applies at once. */
export interface GuardTimes {
  headersTimeout: number
  keepAliveTimeout: number
  idleTimeout: number
  maxConcurrentStreams: number
}

/** PING and SETTINGS frames a client may send between two checks (at most a second apart). */
const MAX_CONTROL_FRAMES = 100
/** A PING frame: a 9-byte frame header and 8 bytes of opaque data (RFC 9113, section 6.7). */
const PING_FRAME_BYTES = 17
/**
 * What a client may still send once its last stream closed, no request being on its way:
 * WINDOW_UPDATEs for the answer's data (13 bytes each, RFC 9113, section 6.9), which Node's
 * http2 reports by no event. Four of them (the connection's and the streams' last ones).
 */
const AFTER_ANSWER_BYTES = 4 * 13
/** A client's SETTINGS frame at most: its header and ten settings of 6 bytes (RFC 9113, section 6.5). */
const SETTINGS_FRAME_BYTES = 9 + 6 * 10
/** A client's ACK of the server's SETTINGS: the frame header alone. */
const SETTINGS_ACK_BYTES = 9

interface Watched extends Movement {
  socket: Duplex & { bytesRead: number, bytesWritten: number }
  /** Streams open on the session. */
  open: number
  /** When the last stream closed (or the session began). */
  idleSince: number
  /**
   * Bytes read when the session last became idle, with what the control frames since then
   * explain (PING, and after a first answer SETTINGS, their ACK and WINDOW_UPDATE): more means
   * a request is on its way.
   */
  readAtIdle: number
  /** A stream has closed on it: what the client sends after an answer is not a request starting. */
  answered: boolean
  /** When bytes were first seen arriving on an idle session. */
  arrivingSince: number | undefined
  /** Streams reset (by the client, mostly), since the last check. */
  resets: number
  /** PING and SETTINGS frames received since the last check. */
  controls: number
  /** Told GOAWAY for abuse: the rest of what it sent is not counted again. */
  abused: boolean
}

/**
 * Watches a listener's HTTP/2 sessions from outside Node's http2 core, which can
 * stop reading a socket for good when the peer vanished during a write (see
 * RELIABILITY.md): a session with no traffic for `idleTimeout` is destroyed with its
 * socket; one whose request headers do not complete within `headersTimeout` is cut;
 * one with no stream for `keepAliveTimeout` is closed with GOAWAY.
 */
export class SessionGuard {
  readonly #sessions = new Map<Http2Session, Watched>()
  readonly #times: () => GuardTimes
  readonly #interval: () => number
  readonly #log: FastifyBaseLogger
  readonly #kind: string
  #timer: NodeJS.Timeout | undefined

  constructor (kind: string, times: () => GuardTimes, interval: () => number, log: FastifyBaseLogger) {
    this.#kind = kind
    this.#times = times
    this.#interval = interval
    this.#log = log
  }

  add (session: Http2Session, socket: Duplex): void {
    const now = Date.now()
    const s = socket as Watched['socket']
    // readAtIdle 0: bytes read before the session began (the sniffer's and the :authority mender's) count as a request on its way.
    const watched: Watched = { socket: s, open: 0, idleSince: now, readAtIdle: 0, answered: false, arrivingSince: undefined, bytes: moved(s), movedAt: now, resets: 0, controls: 0, abused: false }
    this.#sessions.set(session, watched)
    // One listener of each per session, not a closure per stream: 'close' comes once, `this` is the stream.
    const guard = this
    const onStreamClose = function onStreamClose (this: Http2Stream): void {
      if (this.rstCode !== http2constants.NGHTTP2_NO_ERROR) guard.#onReset(session, watched)
      if (--watched.open > 0) return
      watched.idleSince = Date.now()
      watched.readAtIdle = s.bytesRead + AFTER_ANSWER_BYTES
      watched.answered = true
    }
    session.on('stream', stream => {
      watched.open++
      watched.arrivingSince = undefined
      stream.on('close', onStreamClose)
    })
    const onControl = (): void => {
      if (++watched.controls > MAX_CONTROL_FRAMES) this.#abuse(session, watched, 'PING or SETTINGS flood')
    }
    session.on('ping', () => {
      onControl()
      // A keep-alive PING on an idle session is not a request on its way: keepAliveTimeout closes the session, not headersTimeout.
      // Its own bytes only, as it may have come in one read with the start of a header block.
      if (watched.open === 0) watched.readAtIdle += PING_FRAME_BYTES
    })
    // SETTINGS and their ACK on a connection that has answered are not a request on its way either
    // (a new connection's first bytes, SETTINGS included, are: readAtIdle starts at 0).
    const credit = (bytes: number): void => {
      if (watched.open === 0 && watched.answered) watched.readAtIdle += bytes
    }
    session.on('remoteSettings', () => {
      onControl()
      credit(SETTINGS_FRAME_BYTES)
    })
    session.on('localSettings', () => credit(SETTINGS_ACK_BYTES))
    // A GOAWAY for abuse (flood, rapid reset) ends the session: the TCP connection goes with it at once.
    session.once('close', () => {
      this.#sessions.delete(session)
      if (!socket.destroyed) socket.destroy()
      if (this.#sessions.size === 0) this.#stop()
    })
    session.on('error', (err: NodeJS.ErrnoException) => {
      this.#log.info({ kind: this.#kind, err: { code: err.code, message: err.message } }, 'HTTP/2 connection error')
    })
    this.#timer ??= setInterval(() => this.#check(), this.#interval()).unref()
  }

  /**
   * Rapid reset (CVE-2023-44487): more streams reset between two
   * checks than it may have open at once is abuse. nghttp2 sends GOAWAY only after
   * 1,000 and keeps the TCP connection; this closes both, earlier.
   */
  #onReset (session: Http2Session, w: Watched): void {
    if (++w.resets <= Math.max(100, this.#times().maxConcurrentStreams)) return
    this.#abuse(session, w, 'rapid reset')
  }

  /** GOAWAY (ENHANCE_YOUR_CALM), then the TCP connection is closed without waiting for the client. */
  #abuse (session: Http2Session, w: Watched, what: string): void {
    if (w.abused || session.destroyed) return
    w.abused = true
    this.#log.info({ kind: this.#kind, resets: w.resets, controls: w.controls }, `HTTP/2 connection closed: ${what}`)
    session.goaway(http2constants.NGHTTP2_ENHANCE_YOUR_CALM)
    setImmediate(() => this.#cut(session, w))
  }

  #stop (): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  #check (): void {
    const now = Date.now()
    const times = this.#times()
    for (const [session, w] of this.#sessions) {
      w.resets = 0
      w.controls = 0
      if (silentFor(w, w.socket, now, times.idleTimeout)) {
        this.#log.info({ kind: this.#kind, open: w.open }, 'HTTP/2 connection silent for idleTimeout')
        this.#cut(session, w)
        continue
      }
      if (w.open > 0 || session.closed) continue
      if (w.socket.bytesRead > w.readAtIdle) {
        w.arrivingSince ??= now
        if (now - w.arrivingSince >= times.headersTimeout) {
          this.#log.info({ kind: this.#kind }, 'HTTP/2 request headers not complete within headersTimeout')
          this.#cut(session, w)
          continue
        }
      }
      if (now - w.idleSince >= times.keepAliveTimeout) session.close()
    }
  }

  #cut (session: Http2Session, w: Watched): void {
    session.destroy()
    w.socket.destroy()
  }
}
