import type { EndpointWebSocket, RequestHeaders } from '@kinds/endpoint-table'
import { isBucketKey, type StatsStore } from './stats.js'
import type { ProcessSampler } from './process-sampler.js'
import type { StatsFrame, StatsPoll } from './wire.js'

/** A client whose socket holds this much unsent data misses ticks until it catches up. */
const SLOW_CLIENT_BYTES = 1024 * 1024
/** Clients sent a tick before the event loop gets a turn. */
const SEND_BATCH = 500
/** How far back the history sent to a new client goes. */
export const HISTORY_MS = 15 * 60 * 1000

/**
 * The tick of the /stats feed: samples the process, computes the deltas, and
 * serialises them once for every client. The serialised frames of the last 15
 * minutes stay in a ring, sent to each client when it connects.
 */
export class StatsFeed {
  readonly #stats: StatsStore
  readonly #sampler: ProcessSampler
  readonly #refresh: () => void
  readonly #interval: number
  readonly #clients = new Set<(frame: Buffer) => void>()
  /** The ring: `#ring[(#head + i) % capacity]` is the i-th oldest frame. */
  readonly #ring: Buffer[] = []
  readonly #capacity: number
  #head = 0
  #ringBytes = 0
  /** The first message for new clients, made once a tick at most. */
  #hello: Buffer | undefined
  #previous: Record<string, number>
  #timer: NodeJS.Timeout | undefined
  #frames = 0

  constructor (stats: StatsStore, sampler: ProcessSampler, refresh: () => void, intervalMs: number) {
    this.#stats = stats
    this.#sampler = sampler
    this.#refresh = refresh
    this.#interval = intervalMs
    this.#capacity = Math.ceil(HISTORY_MS / intervalMs)
    this.#refresh()
    this.#previous = stats.snapshot()
    this.#timer = setInterval(() => this.tick(), intervalMs)
    this.#timer.unref()
  }

  /** Frames in the history ring, and the bytes they hold. */
  get history (): { frames: number, bytes: number } {
    return { frames: this.#ring.length, bytes: this.#ringBytes }
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
      if (this.#stats.isGauge(key)) {
        deltas[key] = value
        continue
      }
      const delta = round(value - (this.#previous[key] ?? 0))
      // Most buckets of most kinds are empty in a second: they are left out, which keeps the ring small.
      if (delta !== 0 || !isBucketKey(key)) deltas[key] = delta
    }
    this.#previous = now
    const frame: StatsFrame = { time: Date.now(), stats: deltas, workers: [worker] }
    const bytes = Buffer.from(JSON.stringify(frame))
    this.#remember(bytes)
    if (this.#clients.size === 0) return
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

  #remember (bytes: Buffer): void {
    this.#hello = undefined
    if (this.#ring.length < this.#capacity) {
      this.#ring.push(bytes)
    } else {
      this.#ringBytes -= this.#ring[this.#head]!.length
      this.#ring[this.#head] = bytes
      this.#head = (this.#head + 1) % this.#capacity
    }
    this.#ringBytes += bytes.length
  }

  /** The first message of a client (StatsHello): the frames are spliced in as they were serialised. */
  #helloBytes (): Buffer {
    if (this.#hello !== undefined) return this.#hello
    const head = JSON.stringify({ interval: this.#interval, latencyBuckets: this.#stats.bounds, gauges: this.#stats.gauges() })
    const parts: Buffer[] = [Buffer.from(`${head.slice(0, -1)},"history":[`)]
    for (let i = 0; i < this.#ring.length; i++) {
      if (i > 0) parts.push(COMMA)
      parts.push(this.#ring[(this.#head + i) % this.#ring.length]!)
    }
    parts.push(END)
    this.#hello = Buffer.concat(parts)
    return this.#hello
  }

  /** The answer to a poller. */
  poll (): StatsPoll {
    this.#refresh()
    return { interval: this.#interval, latencyBuckets: [...this.#stats.bounds], time: Date.now(), stats: this.#stats.snapshot(), gauges: this.#stats.gauges(), workers: [this.#sampler.last] }
  }

  /** The WebSocket handler of /stats: every tick's frame until the client goes. */
  websocket = async (_h: RequestHeaders, ws: EndpointWebSocket): Promise<void> => {
    const socket = ws.raw
    const send = (frame: Buffer): void => {
      if (socket.readyState === socket.OPEN && socket.bufferedAmount < SLOW_CLIENT_BYTES) socket.send(frame, { binary: false })
    }
    socket.send(this.#helloBytes(), { binary: false })
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
    this.#ring.length = 0
    this.#head = 0
    this.#ringBytes = 0
    this.#hello = undefined
  }
}

const COMMA = Buffer.from(',')
const END = Buffer.from(']}')

/** Float sums (latency seconds) lose bits when subtracted; nine digits are plenty. */
function round (n: number): number {
  return Math.round(n * 1e9) / 1e9
}
