import { KINDS_ERR_STAT_KEY, KINDS_ERR_STAT_VALUE } from './errors.js'
import { bucketIndex, bucketName, DEFAULT_LATENCY_BUCKETS } from './latency-buckets.js'

/** Options of a user stat: `kind` files it under that kind (`kind.<kind>.<key>`, label `kind` in /metrics). */
export interface StatOptions {
  kind?: string
}

const statusClasses = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const
export type StatusClass = typeof statusClasses[number]

const KEY = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/
const KIND = /^[A-Za-z0-9_-]+$/
/** Prefixes of the built-in stats; a user stat may not take them. */
const reserved = ['request', 'latency', 'websocket', 'process', 'kind', 'connections']

export function statusClass (status: number): StatusClass {
  return statusClasses[Math.min(Math.max(Math.floor(status / 100), 1), 5) - 1]!
}

/** The keys of one kind, made once so counting a request builds no strings. */
interface KindKeys {
  total: string
  seconds: string
  byClass: Record<StatusClass, string>
  /** `kind.<kind>.latency.<bucket>`, one a bound, then `kind.<kind>.latency.slow`. */
  buckets: string[]
}

/** `<prefix>latency.<bucket name>` for each bound, then `<prefix>latency.slow` past the last one. */
export function bucketKeys (bounds: readonly number[], prefix = ''): string[] {
  return [...bounds.map(le => `${prefix}latency.${bucketName(le)}`), `${prefix}latency.slow`]
}

/** Whether a key counts requests of one latency bucket (all kinds or one). */
export function isBucketKey (key: string): boolean {
  return /^(kind\.[^.]+\.)?latency\./.test(key) && !key.endsWith('.sum')
}

/**
 * The flat, dotted stats of /stats: counters only grow, gauges are set. A key
 * keeps the type it was first used with.
 */
export class StatsStore {
  readonly #values: Record<string, number> = Object.create(null)
  readonly #gauges = new Set<string>()
  readonly #kindKeys = new Map<string, KindKeys>()
  readonly #bounds: readonly number[]
  readonly #buckets: string[]

  constructor (bounds: readonly number[] = DEFAULT_LATENCY_BUCKETS) {
    this.#bounds = bounds
    this.#buckets = bucketKeys(bounds)
    this.#ensure('request.total', false)
    for (const c of statusClasses) this.#ensure(`request.${c}`, false)
    for (const key of this.#buckets) this.#ensure(key, false)
    this.#ensure('latency.sum', false)
    this.#ensure('websocket.total', false)
    this.#ensure('websocket.open', true)
  }

  /** A completed request of a kind. */
  request (kind: string, status: number, seconds: number): void {
    const keys = this.#keysOf(kind)
    const cls = statusClass(status)
    const v = this.#values
    v['request.total']!++
    v[`request.${cls}`]!++
    v[keys.total]!++
    v[keys.byClass[cls]]!++
    v[keys.seconds]! += seconds
    v['latency.sum']! += seconds
    const bucket = bucketIndex(this.#bounds, seconds)
    v[this.#buckets[bucket]!]!++
    v[keys.buckets[bucket]!]!++
  }

  /** The latency bounds, in seconds, of the bucket keys. */
  get bounds (): readonly number[] {
    return this.#bounds
  }

  /** A WebSocket opened on a kind; the returned function is called on its close. */
  websocket (kind: string): () => void {
    const open = `kind.${kind}.websocket.open`
    const total = `kind.${kind}.websocket.total`
    this.#ensure(open, true)
    this.#ensure(total, false)
    this.#values['websocket.total']!++
    this.#values[total]!++
    this.#values['websocket.open']!++
    this.#values[open]!++
    let closed = false
    return () => {
      if (closed) return
      closed = true
      this.#values['websocket.open']!--
      this.#values[open]!--
    }
  }

  /** A built-in gauge (process, connections). */
  gauge (key: string, value: number): void {
    this.#ensure(key, true)
    this.#values[key] = value
  }

  /** A built-in counter set to its running total (process CPU seconds). */
  counter (key: string, total: number): void {
    this.#ensure(key, false)
    this.#values[key] = total
  }

  /** `app.stats.set`: a user gauge. */
  set (key: string, value: number, options?: StatOptions): string {
    const flat = userKey(key, options)
    checkNumber(flat, value)
    if (this.#values[flat] !== undefined && !this.#gauges.has(flat)) throw new KINDS_ERR_STAT_VALUE(flat, 'is a counter: use add()')
    this.#ensure(flat, true)
    this.#values[flat] = value
    return flat
  }

  /** `app.stats.add`: a user counter, which only grows. */
  add (key: string, delta: number, options?: StatOptions): string {
    const flat = userKey(key, options)
    checkNumber(flat, delta)
    if (delta < 0) throw new KINDS_ERR_STAT_VALUE(flat, `a counter only grows, got ${delta}`)
    if (this.#gauges.has(flat)) throw new KINDS_ERR_STAT_VALUE(flat, 'is a gauge: use set()')
    this.#ensure(flat, false)
    this.#values[flat]! += delta
    return flat
  }

  get (key: string): number | undefined {
    return this.#values[key]
  }

  isGauge (key: string): boolean {
    return this.#gauges.has(key)
  }

  /** Every stat, keys sorted, as /stats serves it. */
  snapshot (): Record<string, number> {
    const out: Record<string, number> = {}
    for (const key of Object.keys(this.#values).sort()) out[key] = this.#values[key]!
    return out
  }

  gauges (): string[] {
    return [...this.#gauges].sort()
  }

  #keysOf (kind: string): KindKeys {
    let keys = this.#kindKeys.get(kind)
    if (keys === undefined) {
      const prefix = `kind.${kind}.request.`
      keys = {
        total: `${prefix}total`,
        seconds: `kind.${kind}.latency.sum`,
        byClass: Object.fromEntries(statusClasses.map(c => [c, `${prefix}${c}`])) as Record<StatusClass, string>,
        buckets: bucketKeys(this.#bounds, `kind.${kind}.`)
      }
      for (const key of [keys.total, keys.seconds, ...Object.values(keys.byClass), ...keys.buckets]) this.#ensure(key, false)
      this.#kindKeys.set(kind, keys)
    }
    return keys
  }

  #ensure (key: string, gauge: boolean): void {
    if (this.#values[key] !== undefined) return
    this.#values[key] = 0
    if (gauge) this.#gauges.add(key)
  }
}

/** The flat key of a user stat, checked. */
export function userKey (key: unknown, options?: StatOptions): string {
  if (typeof key !== 'string' || !KEY.test(key)) throw new KINDS_ERR_STAT_KEY(String(key), 'a key is dotted words of letters, digits and _')
  if (reserved.includes(key.split('.')[0]!)) throw new KINDS_ERR_STAT_KEY(key, `the prefixes ${reserved.join(', ')} are built-in`)
  const kind = options?.kind
  if (kind === undefined) return key
  if (typeof kind !== 'string' || !KIND.test(kind)) throw new KINDS_ERR_STAT_KEY(key, `kind must be letters, digits, - and _, got ${String(kind)}`)
  return `kind.${kind}.${key}`
}

function checkNumber (key: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new KINDS_ERR_STAT_VALUE(key, `must be a finite number, got ${String(value)}`)
}
