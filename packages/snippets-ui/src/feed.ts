import type { EndpointWebSocket, RequestHeaders } from '@kinds/endpoint-table'
import type { StatsStore } from './stats.js'
import type { ProcessSampler } from './process-sampler.js'
import type { StatsFrame, StatsPoll } from './wire.js'

/** A client whose socket holds this much unsent data misses ticks until it catches up. */
const SLOW_CLIENT_BYTES = 1024 * 1024
/** Clients sent a tick before the event loop gets a turn. */
const SEND_BATCH = 500

/**
 * The tick of the /stats feed: samples the process, computes the deltas, and
 * serialises them once for every client.
 */
export class StatsFeed {
  readonly #stats: StatsStore
  readonly #sampler: ProcessSampler
  readonly #refresh: () => void
  readonly #clients = new Set<(frame: Buffer) => void>()
  #previous: Record<string, number>
  #timer: NodeJS.Timeout | undefined
  #frames = 0

  constructor (stats: StatsStore, sampler: ProcessSampler, refresh: () => void, intervalMs: number) {
    this.#stats = stats
    this.#sampler = sampler
    this.#refresh = refresh
    this.#refresh()
    this.#previous = stats.snapshot()
    this.#timer = setInterval(() => this.tick(), intervalMs)
    this.#timer.unref()
  }

  /** How many frames were serialised (one per tick with at least one client). */
  get frames (): number {
    return this.#frames
  }

  get clients (): number {
    return this.#clients.size
  }

  tick (): void {
    const worker = this.#sampler.sample()
    this.#refresh()
    const now = this.#stats.snapshot()
    const deltas: Record<string, number> = {}
    for (const [key, value] of Object.entries(now)) {
      deltas[key] = this.#stats.isGauge(key) ? value : round(value - (this.#previous[key] ?? 0))
    }
    this.#previous = now
    if (this.#clients.size === 0) return
    const frame: StatsFrame = { time: Date.now(), stats: deltas, workers: [worker] }
    const bytes = Buffer.from(JSON.stringify(frame))
    this.#frames++
    // In batches, so that requests get a turn while thousands of clients are sent the tick.
    const sends = [...this.#clients]
    let i = 0
    const batch = (): void => {
      for (const end = Math.min(i + SEND_BATCH, sends.length); i < end; i++) sends[i]!(bytes)
      if (i < sends.length) setImmediate(batch)
    }
    batch()
  }

  /** The answer to a poller. */
  poll (): StatsPoll {
    this.#refresh()
    return { time: Date.now(), stats: this.#stats.snapshot(), gauges: this.#stats.gauges(), workers: [this.#sampler.last] }
  }

  /** The WebSocket handler of /stats: every tick's frame until the client goes. */
  websocket = async (_h: RequestHeaders, ws: EndpointWebSocket): Promise<void> => {
    const socket = ws.raw
    const send = (frame: Buffer): void => {
      if (socket.readyState === socket.OPEN && socket.bufferedAmount < SLOW_CLIENT_BYTES) socket.send(frame, { binary: false })
    }
    this.#clients.add(send)
    try {
      // Messages from the client are ignored; this ends when it closes.
      while (await ws.receive() !== null);
    } finally {
      this.#clients.delete(send)
    }
  }

  close (): void {
    clearInterval(this.#timer)
    this.#timer = undefined
    this.#clients.clear()
  }
}

/** Float sums (latency seconds) lose bits when subtracted; nine digits are plenty. */
function round (n: number): number {
  return Math.round(n * 1e9) / 1e9
}
