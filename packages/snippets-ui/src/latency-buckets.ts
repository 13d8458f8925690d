import { KINDS_ERR_UI_OPTION } from './errors.js'

export { bucketIndex, estimateQuantile, bucketName } from './quantiles.js'

/**
 * Upper bounds, in seconds, of the latency buckets shared by /stats, its feed, the
 * page's distribution and /metrics: a 1-2-5 series from 0.5 ms to 60 s, past the
 * default handler timeout (30 s), so that a request cut by the timeout still falls
 * in a bucket of its own and not in +Inf.
 */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60
])

/** Checks a `latencyBuckets` option: finite, positive, strictly increasing seconds, 1 to 64 of them. */
export function checkLatencyBuckets (value: unknown): readonly number[] {
  if (value === undefined) return DEFAULT_LATENCY_BUCKETS
  if (!Array.isArray(value) || value.length === 0 || value.length > 64) {
    throw new KINDS_ERR_UI_OPTION('latencyBuckets', 'must be an array of 1 to 64 upper bounds in seconds')
  }
  value.forEach((le: unknown, i: number) => {
    if (typeof le !== 'number' || !Number.isFinite(le) || le <= 0) {
      throw new KINDS_ERR_UI_OPTION('latencyBuckets', `bound ${i} must be a positive number of seconds, got ${String(le)}`)
    }
    if (i > 0 && le <= (value[i - 1] as number)) {
      throw new KINDS_ERR_UI_OPTION('latencyBuckets', `bounds must increase, got ${String(value[i - 1])} then ${le}`)
    }
  })
  return Object.freeze([...value as number[]])
}
