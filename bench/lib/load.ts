import autocannon from 'autocannon'
import type { LoadSettings } from './args.ts'

/** One measured run against one server. */
export interface Sample {
  /** Mean requests per second over the measured seconds. */
  rps: number
  /** 99th percentile latency in milliseconds. */
  p99: number
  /** Connection errors, timeouts and non-2xx answers: a run with any is suspect. */
  failures: number
}

/** Loads `url` with a warm-up that is not counted, then the measured run. */
export async function load (url: string, settings: LoadSettings): Promise<Sample> {
  const { connections, pipelining, warmup, duration } = settings
  const result = await autocannon({ url, connections, pipelining, duration, warmup: { connections, duration: warmup } })
  return { rps: result.requests.average, p99: result.latency.p99, failures: result.errors + result.non2xx }
}
