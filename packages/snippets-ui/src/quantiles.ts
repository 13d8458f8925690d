// The latency arithmetic shared by the server and the page's client: no Node.js code may come in here.

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
