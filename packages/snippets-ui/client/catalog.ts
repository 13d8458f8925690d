// What the picker offers: each stat (or figure made of stats) with a human label, a
// unit and a group; bucket counts and latency sums are not offered as series of their own.
import { bucketName, estimateQuantile } from '../src/quantiles.js'
import type { Point } from './timeline.js'

/** The units of the charts: each has its own axis. */
export type Unit = 'req/s' | '/s' | 'ms' | 'bytes' | 'count' | '%' | 's'

export interface Metric {
  id: string
  label: string
  unit: Unit
  /** 'Requests', 'Latency', 'WebSockets', 'Process', 'Your stats', or 'Kind <name>'. */
  group: string
  kind?: string
  value: (p: Point) => number | null
}

export const GROUPS = ['Requests', 'Latency', 'WebSockets', 'Process', 'Your stats']
const classes = ['1xx', '2xx', '3xx', '4xx', '5xx']
const QUANTILES = [['p50', 0.5], ['p90', 0.9], ['p99', 0.99]] as const

export const rate = (key: string) => (p: Point): number | null => p.frame === null ? null : (p.frame.stats[key] ?? 0) / p.seconds
export const gauge = (key: string) => (p: Point): number | null => p.frame?.stats[key] ?? null

/** The request counts of each bucket, the one over the last bound last; `prefix` is '' or `kind.<name>.`. */
export function bucketCounts (p: Point, bounds: readonly number[], prefix = ''): number[] | null {
  if (p.frame === null) return null
  const s = p.frame.stats
  return [...bounds.map(le => s[`${prefix}latency.${bucketName(le)}`] ?? 0), s[`${prefix}latency.slow`] ?? 0]
}

export const quantile = (bounds: readonly number[], q: number, prefix = '') => (p: Point): number | null => {
  const counts = bucketCounts(p, bounds, prefix)
  const s = counts === null ? null : estimateQuantile(bounds, counts, q)
  return s === null ? null : s * 1000
}

const mean = (prefix: string) => (p: Point): number | null => {
  const n = p.frame?.stats[`${prefix}request.total`] ?? 0
  return n > 0 ? (p.frame!.stats[`${prefix}latency.sum`] ?? 0) / n * 1000 : null
}

const percentOf = (key: string) => (p: Point): number | null => p.frame === null ? null : (p.frame.stats[key] ?? 0) / p.seconds * 100

export function catalog (known: Iterable<string>, gauges: ReadonlySet<string>, bounds: readonly number[]): Map<string, Metric> {
  const out = new Map<string, Metric>()
  const put = (m: Metric): void => { out.set(m.id, m) }
  const keys = [...known]
  put({ id: 'request.total', label: 'All requests', unit: 'req/s', group: 'Requests', value: rate('request.total') })
  for (const c of classes) put({ id: `request.${c}`, label: `${c} responses`, unit: 'req/s', group: 'Requests', value: rate(`request.${c}`) })
  put({ id: 'latency.mean', label: 'Mean latency', unit: 'ms', group: 'Latency', value: mean('') })
  for (const [name, q] of QUANTILES) put({ id: `latency.${name}`, label: `${name} latency (estimate)`, unit: 'ms', group: 'Latency', value: quantile(bounds, q) })
  put({ id: 'websocket.open', label: 'Open WebSockets', unit: 'count', group: 'WebSockets', value: gauge('websocket.open') })
  put({ id: 'websocket.total', label: 'WebSockets opened', unit: '/s', group: 'WebSockets', value: rate('websocket.total') })
  put({ id: 'process.cpu.user', label: 'CPU, user', unit: '%', group: 'Process', value: percentOf('process.cpu.user') })
  put({ id: 'process.cpu.system', label: 'CPU, system', unit: '%', group: 'Process', value: percentOf('process.cpu.system') })
  put({ id: 'process.rss', label: 'Resident memory (RSS)', unit: 'bytes', group: 'Process', value: gauge('process.rss') })
  put({ id: 'process.heap', label: 'Heap in use', unit: 'bytes', group: 'Process', value: gauge('process.heap') })
  put({ id: 'process.eventloop.delay', label: 'Event-loop lag, mean', unit: 'ms', group: 'Process', value: gauge('process.eventloop.delay') })
  put({ id: 'process.eventloop.p99', label: 'Event-loop lag, p99', unit: 'ms', group: 'Process', value: gauge('process.eventloop.p99') })
  put({ id: 'process.uptime', label: 'Uptime', unit: 's', group: 'Process', value: gauge('process.uptime') })

  for (const kind of kindsOf(keys)) {
    const group = `Kind ${kind}`
    const k = `kind.${kind}.`
    put({ id: `${k}request.total`, label: `${kind}: requests`, unit: 'req/s', group, kind, value: rate(`${k}request.total`) })
    for (const c of classes) put({ id: `${k}request.${c}`, label: `${kind}: ${c} responses`, unit: 'req/s', group, kind, value: rate(`${k}request.${c}`) })
    put({ id: `${k}latency.mean`, label: `${kind}: mean latency`, unit: 'ms', group, kind, value: mean(k) })
    for (const [name, q] of QUANTILES) put({ id: `${k}latency.${name}`, label: `${kind}: ${name} latency (estimate)`, unit: 'ms', group, kind, value: quantile(bounds, q, k) })
    put({ id: `${k}connections`, label: `${kind}: open connections`, unit: 'count', group, kind, value: gauge(`${k}connections`) })
    put({ id: `${k}websocket.open`, label: `${kind}: open WebSockets`, unit: 'count', group, kind, value: gauge(`${k}websocket.open`) })
    put({ id: `${k}websocket.total`, label: `${kind}: WebSockets opened`, unit: '/s', group, kind, value: rate(`${k}websocket.total`) })
  }
  // The user's own stats: per second for counters, the value for gauges.
  for (const key of keys) {
    if (out.has(key) || builtIn(key)) continue
    const kind = /^kind\.([^.]+)\./.exec(key)?.[1]
    const name = kind === undefined ? key : `${kind}: ${key.slice(kind.length + 6)}`
    const isGauge = gauges.has(key)
    put({ id: key, label: isGauge ? name : `${name} per second`, unit: isGauge ? 'count' : '/s', group: kind === undefined ? 'Your stats' : `Kind ${kind}`, kind, value: isGauge ? gauge(key) : rate(key) })
  }
  return out
}

/** The kinds that have served a request or hold a listener, in name order. */
export function kindsOf (keys: Iterable<string>): string[] {
  const kinds = new Set<string>()
  for (const key of keys) {
    const m = /^kind\.([^.]+)\.(request\.total|connections)$/.exec(key)
    if (m !== null) kinds.add(m[1]!)
  }
  return [...kinds].sort()
}

/** Keys whose figures the catalog makes itself, or that mean nothing as a series (bucket counts, sums of seconds). */
function builtIn (key: string): boolean {
  if (/^(request|latency|websocket|process|connections)\./.test(key)) return true
  return /^kind\.[^.]+\.(request\.\w+|latency\.[\w.]+|connections|websocket\.(open|total))$/.test(key)
}
