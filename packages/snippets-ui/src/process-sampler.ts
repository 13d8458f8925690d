import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import { threadId } from 'node:worker_threads'
import type { WorkerInfo } from './wire.js'

const BUSY_MS = 100
/**
 * The histogram's timer runs every RESOLUTION_MS and records how long each turn
 * really took, so an idle loop reads RESOLUTION_MS: that period is taken off
 * every figure, which leaves the lag itself (at the timer's 1 ms precision)
 * without waking the process a thousand times a second.
 */
const RESOLUTION_MS = 10

/** Samples CPU, memory and event-loop delay of this process once a tick. */
export class ProcessSampler {
  readonly #histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
  #cpu = process.cpuUsage()
  #at = process.hrtime.bigint()
  #last: WorkerInfo

  constructor () {
    this.#histogram.enable()
    this.#last = this.#read(0, 0, 0)
  }

  /** Reads the figures since the previous sample and starts a new interval. */
  sample (): WorkerInfo {
    const now = process.hrtime.bigint()
    const cpu = process.cpuUsage(this.#cpu)
    const elapsedUs = Number(now - this.#at) / 1000
    this.#cpu = process.cpuUsage()
    this.#at = now
    const h = this.#histogram
    const mean = h.count > 0 ? lag(h.mean) : 0
    const p99 = h.count > 0 ? lag(h.percentile(99)) : 0
    h.reset()
    this.#last = this.#read(elapsedUs > 0 ? cpu.user / elapsedUs * 100 : 0, elapsedUs > 0 ? cpu.system / elapsedUs * 100 : 0, mean, p99)
    return this.#last
  }

  get last (): WorkerInfo {
    return this.#last
  }

  /** Total CPU seconds of the process so far. */
  cpuSeconds (): { user: number, system: number } {
    const { user, system } = process.cpuUsage()
    return { user: user / 1e6, system: system / 1e6 }
  }

  close (): void {
    this.#histogram.disable()
  }

  #read (user: number, system: number, mean: number, p99 = mean): WorkerInfo {
    const memory = process.memoryUsage()
    return {
      pid: process.pid,
      thread: threadId,
      cpu: { user: round(user), system: round(system) },
      rss: memory.rss,
      heap: memory.heapUsed,
      eventLoopDelay: { mean: round(mean), p99: round(p99) },
      status: p99 > BUSY_MS ? 'busy' : 'ok',
      uptime: Math.round(process.uptime())
    }
  }
}

/** Milliseconds of lag in a histogram figure (nanoseconds of a whole timer turn). */
function lag (ns: number): number {
  return Math.max(ns / 1e6 - RESOLUTION_MS, 0)
}

function round (n: number): number {
  return Math.round(n * 100) / 100
}
