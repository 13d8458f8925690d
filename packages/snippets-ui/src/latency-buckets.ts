import { KINDS_ERR_UI_OPTION } from './errors.js'

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

/** Index of the bucket a duration falls in (`le` inclusive, as Prometheus counts); `bounds.length` past the last. */
export function bucketIndex (bounds: readonly number[], seconds: number): number {
  // Binary search: 17 bounds take at most 5 comparisons per request.
  let lo = 0
  let hi = bounds.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (seconds <= bounds[mid]!) hi = mid
    else lo = mid + 1
  }
  return lo
}

/**
 * The q-quantile (0 < q < 1) of a distribution given as per-bucket counts (not
 * cumulative; `counts.length` is `bounds.length + 1`, the last being over the last
 * bound), estimated by linear interpolation inside the bucket that holds it, as
 * Prometheus' `histogram_quantile` does. An estimate: it is never more precise
 * than the bucket. Past the last bound it answers that bound. Null without data.
 */
export function estimateQuantile (bounds: readonly number[], counts: readonly number[], q: number): number | null {
  let total = 0
  for (const n of counts) total += n
  if (total <= 0) return null
  const rank = q * total
  let seen = 0
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i]!
    if (n > 0 && seen + n >= rank) {
      if (i >= bounds.length) return bounds[bounds.length - 1] ?? null
      const lower = i === 0 ? 0 : bounds[i - 1]!
      const upper = bounds[i]!
      return lower + (upper - lower) * ((rank - seen) / n)
    }
    seen += n
  }
  return bounds[bounds.length - 1] ?? null
}

/** A short name of a bound for dotted /stats keys: `0.5ms`, `10ms`, `2s`. */
export function bucketName (le: number): string {
  return le < 1 ? `${+(le * 1000).toPrecision(6)}ms` : `${+le.toPrecision(6)}s`
}
