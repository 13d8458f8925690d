// The live feed of the page: one WebSocket on /stats, reconnected by itself, polling of
// /stats?feed while the WebSocket cannot open, and a state that says only what is known.
import type { StatsFrame, StatsHello, StatsPoll } from '../src/wire.js'

/**
 * `live` while frames arrive, `stale` once 2.5 intervals passed without one on an
 * open socket, `reconnecting` while the socket is down, `offline` when nothing came
 * for OFFLINE_MS, `polling` while /stats?feed answers instead of the socket.
 */
export type FeedState = 'connecting' | 'live' | 'stale' | 'reconnecting' | 'polling' | 'offline'

export interface FeedOptions {
  onHello: (hello: StatsHello) => void
  onFrame: (frame: StatsFrame) => void
  onGauges: (gauges: Set<string>) => void
  onState: (state: FeedState) => void
}

const MAX_BACKOFF_MS = 8000
/** WebSocket attempts that never opened before the page falls back to polling. */
const FAILURES_BEFORE_POLLING = 2
/** Intervals without a frame before the feed is stale. */
const STALE_INTERVALS = 2.5
/** A socket silent this long is closed and opened again (a frozen server keeps its TCP connection). */
const SILENT_CLOSE_MS = 10_000
const OFFLINE_MS = 15_000
const CHECK_MS = 250

export class Feed {
  readonly #options: FeedOptions
  #interval = 1000
  #failures = 0
  #ws: WebSocket | undefined
  #open = false
  #pollTimer: number | undefined
  #lastPoll: StatsPoll | undefined
  /** performance.now() of the last frame, from the socket or a poll. */
  #lastData = -Infinity
  #state: FeedState | undefined

  constructor (options: FeedOptions) {
    this.#options = options
  }

  get interval (): number {
    return this.#interval
  }

  start (): void {
    this.#set('connecting')
    this.#connect()
    window.setInterval(() => this.#check(), CHECK_MS)
  }

  /** Which keys are gauges; asked again when a key the page does not know appears. */
  refreshGauges (): void {
    fetch('stats?feed', { cache: 'no-store' })
      .then(async res => await res.json() as StatsPoll)
      .then(poll => this.#options.onGauges(new Set(poll.gauges)))
      .catch(() => {})
  }

  #connect (): void {
    const url = new URL('stats', location.href)
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:'
    let ws: WebSocket
    try {
      ws = new WebSocket(url)
    } catch {
      this.#retry(false)
      return
    }
    this.#ws = ws
    let opened = false
    // A server that accepts the connection but never answers the upgrade (frozen) is given up on.
    const giveUp = window.setTimeout(() => {
      if (opened || this.#ws !== ws) return
      this.#ws = undefined
      ws.onclose = null
      ws.close()
      this.#retry(false)
    }, SILENT_CLOSE_MS)
    ws.onopen = () => {
      clearTimeout(giveUp)
      opened = true
      this.#open = true
      this.#failures = 0
      this.#stopPolling()
    }
    ws.onmessage = event => {
      if (typeof event.data !== 'string') return
      const message = JSON.parse(event.data) as StatsFrame | StatsHello
      // The feed is live whatever the page then makes of the message.
      if (!('history' in message) || message.history.length > 0) this.#lastData = performance.now()
      this.#check()
      if ('history' in message) {
        this.#interval = message.interval
        this.#options.onGauges(new Set(message.gauges))
        this.#options.onHello(message)
      } else {
        this.#options.onFrame(message)
      }
    }
    ws.onclose = () => {
      clearTimeout(giveUp)
      if (this.#ws !== ws) return
      this.#ws = undefined
      this.#open = false
      this.#retry(opened)
    }
  }

  #retry (wasOpen: boolean): void {
    if (!wasOpen) this.#failures++
    if (this.#failures >= FAILURES_BEFORE_POLLING) this.#startPolling()
    this.#check()
    const backoff = wasOpen ? 500 : Math.min(500 * 2 ** this.#failures, MAX_BACKOFF_MS)
    setTimeout(() => this.#connect(), backoff)
  }

  /** The one place the state is decided, from facts, so that it never flickers between guesses. */
  #check (): void {
    const silent = performance.now() - this.#lastData
    const fresh = silent < STALE_INTERVALS * this.#interval
    if (this.#open) {
      if (silent > SILENT_CLOSE_MS && this.#ws !== undefined) {
        const ws = this.#ws
        this.#ws = undefined
        this.#open = false
        ws.onclose = null
        ws.close()
        this.#retry(true)
        return
      }
      this.#set(fresh ? 'live' : this.#lastData === -Infinity ? 'connecting' : 'stale')
    } else if (this.#pollTimer !== undefined && fresh) {
      this.#set('polling')
    } else if (this.#state === 'connecting' && this.#failures === 0) {
      // The first attempt is still under way.
    } else {
      this.#set(silent > OFFLINE_MS ? 'offline' : 'reconnecting')
    }
  }

  #set (state: FeedState): void {
    if (state === this.#state) return
    this.#state = state
    this.#options.onState(state)
  }

  #startPolling (): void {
    if (this.#pollTimer !== undefined) return
    this.#lastPoll = undefined
    this.#pollTimer = window.setInterval(() => this.#poll(), this.#interval)
    this.#poll()
  }

  #stopPolling (): void {
    clearInterval(this.#pollTimer)
    this.#pollTimer = undefined
  }

  #poll (): void {
    fetch('stats?feed', { cache: 'no-store' })
      .then(async res => {
        if (!res.ok) throw new Error(String(res.status))
        return await res.json() as StatsPoll
      })
      .then(poll => {
        if (this.#pollTimer === undefined) return
        const gauges = new Set(poll.gauges)
        if (this.#lastPoll === undefined) {
          this.#interval = poll.interval
          this.#options.onHello({ interval: poll.interval, latencyBuckets: poll.latencyBuckets, gauges: poll.gauges, history: [] })
        }
        this.#options.onGauges(gauges)
        const previous = this.#lastPoll
        this.#lastPoll = poll
        if (previous === undefined) return
        const stats: Record<string, number> = {}
        for (const [key, value] of Object.entries(poll.stats)) {
          stats[key] = gauges.has(key) ? value : value - (previous.stats[key] ?? 0)
        }
        this.#options.onFrame({ time: poll.time, stats, workers: poll.workers })
        this.#lastData = performance.now()
        this.#check()
      })
      .catch(() => this.#check())
  }
}
