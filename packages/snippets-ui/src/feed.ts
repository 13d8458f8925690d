import type { EndpointWebSocket, RequestHeaders } from '@kinds/endpoint-table'
import { isBucketKey, type StatsStore } from './stats.js'
import type { ProcessSampler } from './process-sampler.js'
import type { StatsFrame, StatsPoll, WorkerInfo } from './wire.js'

/** The stats of every worker, summed, and the workers' rows: what a tick is made of in a cluster. */
export interface StatsSample {
  stats: Record<string, number>
  gauges: string[]
  workers: WorkerInfo[]
}

/** Gathers the sample of every worker (see cluster-stats.ts). */
export type ClusterSource = () => Promise<StatsSample>

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
  /** The totals of the previous tick; undefined before a cluster's first gather. */
  #previous: Record<string, number> | undefined
  #gauges: Set<string>
  readonly #cluster: ClusterSource | undefined
  /** A cluster tick waits for the workers' answers: the next one is skipped until it is done. */
  #ticking = false
  #timer: NodeJS.Timeout | undefined
  #frames = 0

  /** Without `cluster`, the figures of this process; with it, the sum over the workers it gathers. */
  constructor (stats: StatsStore, sampler: ProcessSampler, refresh: () => void, intervalMs: number, cluster?: ClusterSource) {
    this.#stats = stats
    this.#sampler = sampler
    this.#refresh = refresh
    this.#interval = intervalMs
    this.#cluster = cluster
    this.#capacity = Math.ceil(HISTORY_MS / intervalMs)
    this.#refresh()
    this.#previous = cluster === undefined ? stats.snapshot() : undefined
    this.#gauges = new Set(stats.gauges())
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

  tick (): void | Promise<void> {
    const worker = this.#sampler.sample()
    if (this.#cluster === undefined) {
      this.#refresh()
      this.#send({ stats: this.#stats.snapshot(), gauges: this.#stats.gauges(), workers: [worker] })
      return
    }
    if (this.#ticking) return
    this.#ticking = true
    return this.#cluster().then(sample => this.#send(sample), () => {}).finally(() => { this.#ticking = false })
  }

  #send (sample: StatsSample): void {
    const now = sample.stats
    const previous = this.#previous
    this.#previous = now
    this.#setGauges(sample.gauges)
    // A cluster's first gather is where the deltas start from.
    if (previous === undefined || this.#timer === undefined) return
    const deltas: Record<string, number> = {}
    for (const [key, value] of Object.entries(now)) {
      if (this.#gauges.has(key)) {
        deltas[key] = value
        continue
      }
      // A worker that died took its counts with it: the sum drops, which is no traffic, not negative traffic.
      const delta = Math.max(round(value - (previous[key] ?? 0)), 0)
      // Most buckets of most kinds are empty in a second: they are left out, which keeps the ring small.
      if (delta !== 0 || !isBucketKey(key)) deltas[key] = delta
    }
    const frame: StatsFrame = { time: Date.now(), stats: deltas, workers: sample.workers }
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

  #setGauges (gauges: string[]): void {
    if (gauges.length === this.#gauges.size && gauges.every(g => this.#gauges.has(g))) return
    this.#gauges = new Set(gauges)
    this.#hello = undefined
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
    const head = JSON.stringify({ interval: this.#interval, latencyBuckets: this.#stats.bounds, gauges: [...this.#gauges].sort() })
    const parts: Buffer[] = [Buffer.from(`${head.slice(0, -1)},"history":[`)]
    for (let i = 0; i < this.#ring.length; i++) {
      if (i > 0) parts.push(COMMA)
      parts.push(this.#ring[(this.#head + i) % this.#ring.length]!)
    }
    parts.push(END)
    this.#hello = Buffer.concat(parts)
    return this.#hello
  }

  /** The answer to a poller: totals, of every worker in a cluster. */
  poll (): StatsPoll | Promise<StatsPoll> {
    const head = { interval: this.#interval, latencyBuckets: [...this.#stats.bounds] }
    if (this.#cluster === undefined) {
      this.#refresh()
      return { ...head, time: Date.now(), stats: this.#stats.snapshot(), gauges: this.#stats.gauges(), workers: [this.#sampler.last] }
    }
    return this.#cluster().then(sample => ({ ...head, time: Date.now(), ...sample }))
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
