/** One measured run of one load generator against one server. */
export interface Sample {
  /** Requests (or echoed messages) per second over the measured seconds. */
  rps: number
  /** 99th percentile latency in milliseconds. */
  p99: number
  /** Requests (or messages) completed in the measured seconds. */
  requests: number
  /** Socket errors, timeouts, failed streams and non-2xx answers: a run with any is suspect. */
  failures: number
  /** Server CPU time (user + system) per request in microseconds, from /proc; NaN when unknown. */
  cpuUs: number
}

/** What a load generator reports; the runner adds the server's CPU. */
export type LoadResult = Omit<Sample, 'cpuUs'>

/** The `p`th percentile (0 to 100) of values sorted ascending, nearest rank; NaN for none. */
export function percentile (sorted: ArrayLike<number>, p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p / 100) - 1))]!
}

/** The 99th percentile of latencies (any unit), nearest rank. */
export function p99 (values: number[]): number {
  return percentile(Float64Array.from(values).sort(), 99)
}

/** Told when the measured seconds begin and end (the runner reads the server's CPU time then). */
export interface MeasuredWindow {
  begin (): void
  end (): void
}
