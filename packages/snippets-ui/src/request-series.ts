import { METHODS } from 'node:http'
import type { CompletedRequest } from '@kinds/kind-router'
import { bucketIndex } from './latency-buckets.js'

/** The methods Node's HTTP/1.1 parser knows; any other is counted as `other`. */
const KNOWN_METHODS = new Set(METHODS)

/** Labels of the latency histogram and the byte counters. */
export type RouteLabels = {
  readonly kind: string
  readonly method: string
  readonly route: string
}

/** Labels of the request counter. */
export type StatusLabels = RouteLabels & {
  readonly status_code: string
}

/** The requests of one status code on one (kind, method, route). */
export interface StatusSeries {
  readonly labels: StatusLabels
  count: number
}

/** One (kind, method, route): its latency distribution, body bytes and counts by status code. */
export interface RouteSeries {
  readonly labels: RouteLabels
  /** Requests per bucket, not cumulative; the last one is past the last bound. */
  readonly buckets: Float64Array
  sum: number
  count: number
  bytesIn: number
  bytesOut: number
  readonly statuses: Map<number, StatusSeries>
  /** The status code counted last on this series and its counter: most requests repeat it. */
  lastCode: number
  lastStatus: StatusSeries | undefined
}

/**
 * The per-request side of /metrics: plain numbers in series, so a request costs
 * no label hashing and no allocation once its series exist. prom-client reads
 * them at scrape time. A request of the same kind, route, method and status as
 * the one before (the common case under load) finds its series and counter
 * without a lookup; any other goes through three Maps.
 */
export class RequestSeries {
  readonly bounds: readonly number[]
  /** kind → route → method → series. */
  readonly #kinds = new Map<string, Map<string, Map<string, RouteSeries>>>()
  #last: RouteSeries | undefined

  constructor (bounds: readonly number[]) {
    this.bounds = bounds
  }

  /** One completed request; `bucket` is its latency bucket if the caller has it already. */
  record (r: CompletedRequest, bucket = bucketIndex(this.bounds, r.seconds)): void {
    let series = this.#last
    // An invented method never matches: its series is labelled `other`, found below.
    if (series === undefined || series.labels.route !== r.route || series.labels.method !== r.method || series.labels.kind !== r.kind) {
      // Over HTTP/2 `:method` can be any token: an invented one is `other`, so clients cannot add series at will.
      series = this.#last = this.route(r.kind, KNOWN_METHODS.has(r.method) ? r.method : 'other', r.route)
    }
    let status = series.lastStatus
    if (status === undefined || series.lastCode !== r.status) {
      status = series.statuses.get(r.status) ?? this.status(series, r.status)
      series.lastCode = r.status
      series.lastStatus = status
    }
    status.count++
    series.buckets[bucket]!++
    series.sum += r.seconds
    series.count++
    series.bytesIn += r.bytesIn
    series.bytesOut += r.bytesOut
  }

  /** The series of (kind, method, route), created at zero if new. */
  route (kind: string, method: string, route: string): RouteSeries {
    let routes = this.#kinds.get(kind)
    if (routes === undefined) this.#kinds.set(kind, routes = new Map())
    let methods = routes.get(route)
    if (methods === undefined) routes.set(route, methods = new Map())
    let series = methods.get(method)
    if (series === undefined) {
      series = { labels: { kind, method, route }, buckets: new Float64Array(this.bounds.length + 1), sum: 0, count: 0, bytesIn: 0, bytesOut: 0, statuses: new Map(), lastCode: 0, lastStatus: undefined }
      methods.set(method, series)
    }
    return series
  }

  /** The counter of one status code on a series, created at zero if new. */
  status (series: RouteSeries, code: number): StatusSeries {
    let status = series.statuses.get(code)
    if (status === undefined) {
      status = { labels: { ...series.labels, status_code: String(code) }, count: 0 }
      series.statuses.set(code, status)
    }
    return status
  }

  * all (): IterableIterator<RouteSeries> {
    for (const routes of this.#kinds.values()) {
      for (const methods of routes.values()) yield * methods.values()
    }
  }
}

/** Close codes as a bounded label: the standard ones (1000–1015) as they are, 3xxx, 4xxx, else `other`. */
export function closeCodeLabel (code: number): string {
  if (code >= 1000 && code <= 1015) return String(code)
  if (code >= 3000 && code <= 3999) return '3xxx'
  if (code >= 4000 && code <= 4999) return '4xxx'
  return 'other'
}
