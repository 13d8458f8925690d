import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import { threadId } from 'node:worker_threads'
import type { WorkerInfo } from './wire.js'

const BUSY_MS = 100

/** Samples CPU, memory and event-loop delay of this process once a tick. */
export class ProcessSampler {
  readonly #histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 })
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
    const mean = h.count > 0 ? h.mean / 1e6 : 0
    const p99 = h.count > 0 ? h.percentile(99) / 1e6 : 0
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

function round (n: number): number {
  return Math.round(n * 100) / 100
}
