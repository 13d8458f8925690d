// The live feed of the page: one WebSocket on /stats, reconnected by itself, and
// polling of /stats?feed while the WebSocket cannot open.
import type { StatsFrame, StatsPoll } from '../src/wire.js'

export type FeedState = 'connecting' | 'live' | 'polling' | 'reconnecting' | 'offline'

export interface FeedOptions {
  onFrame: (frame: StatsFrame) => void
  onGauges: (gauges: Set<string>) => void
  onState: (state: FeedState) => void
}

const POLL_MS = 1000
const MAX_BACKOFF_MS = 8000
/** WebSocket attempts that never opened before the page falls back to polling. */
const FAILURES_BEFORE_POLLING = 2

export class Feed {
  readonly #options: FeedOptions
  #failures = 0
  #pollTimer: number | undefined
  #lastPoll: StatsPoll | undefined

  constructor (options: FeedOptions) {
    this.#options = options
  }

  start (): void {
    this.refreshGauges()
    this.#connect()
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
    let opened = false
    let ws: WebSocket
    try {
      ws = new WebSocket(url)
    } catch {
      this.#retry(false)
      return
    }
    ws.onopen = () => {
      opened = true
      this.#failures = 0
      this.#stopPolling()
      this.#options.onState('live')
    }
    ws.onmessage = event => {
      if (typeof event.data === 'string') this.#options.onFrame(JSON.parse(event.data) as StatsFrame)
    }
    ws.onclose = () => this.#retry(opened)
  }

  #retry (wasOpen: boolean): void {
    if (!wasOpen) this.#failures++
    if (this.#failures >= FAILURES_BEFORE_POLLING) this.#startPolling()
    this.#options.onState(this.#pollTimer !== undefined ? 'polling' : 'reconnecting')
    const backoff = wasOpen ? 500 : Math.min(500 * 2 ** this.#failures, MAX_BACKOFF_MS)
    setTimeout(() => this.#connect(), backoff)
  }

  #startPolling (): void {
    if (this.#pollTimer !== undefined) return
    this.#lastPoll = undefined
    this.#pollTimer = window.setInterval(() => this.#poll(), POLL_MS)
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
        this.#options.onState('polling')
        const gauges = new Set(poll.gauges)
        this.#options.onGauges(gauges)
        const previous = this.#lastPoll
        this.#lastPoll = poll
        if (previous === undefined) return
        const stats: Record<string, number> = {}
        for (const [key, value] of Object.entries(poll.stats)) {
          stats[key] = gauges.has(key) ? value : value - (previous.stats[key] ?? 0)
        }
        this.#options.onFrame({ time: poll.time, stats, workers: poll.workers })
      })
      .catch(() => this.#options.onState('offline'))
  }
}
