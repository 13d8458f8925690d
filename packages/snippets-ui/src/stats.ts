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
  return statusClasses[classIndex(status)]!
}

/** The index in statusClasses of a status: 0 for 1xx (and below) to 4 for 5xx (and above). */
function classIndex (status: number): number {
  return Math.min(Math.max(Math.floor(status / 100), 1), 5) - 1
}

/**
 * The cells of the request stats of all kinds (`request.total`...) or of one
 * (`kind.<kind>.request.total`...), found once so counting a request builds and hashes no key.
 */
interface RequestCells {
  total: number
  seconds: number
  /** By status class, in the order of statusClasses. */
  byClass: number[]
  /** `<prefix>latency.<bucket>`, one a bound, then `<prefix>latency.slow`. */
  buckets: number[]
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
 * keeps the type it was first used with. Each key has a cell in one array of
 * numbers: a completed request adds to cells found when its kind was first
 * seen, without building or hashing a key.
 */
export class StatsStore {
  readonly #slots = new Map<string, number>()
  readonly #cells: number[] = []
  readonly #gauges = new Set<string>()
  readonly #kindCells = new Map<string, RequestCells>()
  #lastKind: string | undefined
  #lastCells: RequestCells | undefined
  readonly #bounds: readonly number[]
  readonly #all: RequestCells
  readonly #wsTotal: number
  readonly #wsOpen: number

  constructor (bounds: readonly number[] = DEFAULT_LATENCY_BUCKETS) {
    this.#bounds = bounds
    this.#all = this.#requestCells('')
    this.#wsTotal = this.#slot('websocket.total', false)
    this.#wsOpen = this.#slot('websocket.open', true)
  }

  /** A completed request of a kind; `bucket` is its latency bucket if the caller has it already. */
  request (kind: string, status: number, seconds: number, bucket = bucketIndex(this.#bounds, seconds)): void {
    const cls = classIndex(status)
    this.#count(this.#all, cls, bucket, seconds)
    this.#count(kind === this.#lastKind ? this.#lastCells! : this.#cellsOf(kind), cls, bucket, seconds)
  }

  /** One request counted in one set of cells. */
  #count (cells: RequestCells, cls: number, bucket: number, seconds: number): void {
    const c = this.#cells
    c[cells.total]!++
    c[cells.byClass[cls]!]!++
    c[cells.seconds]! += seconds
    c[cells.buckets[bucket]!]!++
  }

  /** The latency bounds, in seconds, of the bucket keys. */
  get bounds (): readonly number[] {
    return this.#bounds
  }

  /** A WebSocket opened on a kind; the returned function is called on its close. */
  websocket (kind: string): () => void {
    const open = this.#slot(`kind.${kind}.websocket.open`, true)
    const total = this.#slot(`kind.${kind}.websocket.total`, false)
    const c = this.#cells
    c[this.#wsTotal]!++
    c[total]!++
    c[this.#wsOpen]!++
    c[open]!++
    let closed = false
    return () => {
      if (closed) return
      closed = true
      c[this.#wsOpen]!--
      c[open]!--
    }
  }

  /** A built-in gauge (process, connections). */
  gauge (key: string, value: number): void {
    this.#cells[this.#slot(key, true)] = value
  }

  /** A built-in counter set to its running total (process CPU seconds). */
  counter (key: string, total: number): void {
    this.#cells[this.#slot(key, false)] = total
  }

  /** `app.stats.set`: a user gauge. */
  set (key: string, value: number, options?: StatOptions): string {
    const flat = userKey(key, options)
    checkNumber(flat, value)
    if (this.#slots.has(flat) && !this.#gauges.has(flat)) throw new KINDS_ERR_STAT_VALUE(flat, 'is a counter: use add()')
    this.#cells[this.#slot(flat, true)] = value
    return flat
  }

  /** `app.stats.add`: a user counter, which only grows. */
  add (key: string, delta: number, options?: StatOptions): string {
    const flat = userKey(key, options)
    checkNumber(flat, delta)
    if (delta < 0) throw new KINDS_ERR_STAT_VALUE(flat, `a counter only grows, got ${delta}`)
    if (this.#gauges.has(flat)) throw new KINDS_ERR_STAT_VALUE(flat, 'is a gauge: use set()')
    this.#cells[this.#slot(flat, false)]! += delta
    return flat
  }

  get (key: string): number | undefined {
    const slot = this.#slots.get(key)
    return slot === undefined ? undefined : this.#cells[slot]
  }

  isGauge (key: string): boolean {
    return this.#gauges.has(key)
  }

  /** Every stat, keys sorted, as /stats serves it. */
  snapshot (): Record<string, number> {
    const out: Record<string, number> = {}
    for (const key of [...this.#slots.keys()].sort()) out[key] = this.#cells[this.#slots.get(key)!]!
    return out
  }

  gauges (): string[] {
    return [...this.#gauges].sort()
  }

  /** The cells of a kind, made when it is first seen; remembered as the last kind, which most requests repeat. */
  #cellsOf (kind: string): RequestCells {
    let own = this.#kindCells.get(kind)
    if (own === undefined) this.#kindCells.set(kind, own = this.#requestCells(`kind.${kind}.`))
    this.#lastKind = kind
    this.#lastCells = own
    return own
  }

  /** The request cells under `prefix`: '' for all kinds, `kind.<kind>.` for one. */
  #requestCells (prefix: string): RequestCells {
    return {
      total: this.#slot(`${prefix}request.total`, false),
      seconds: this.#slot(`${prefix}latency.sum`, false),
      byClass: statusClasses.map(c => this.#slot(`${prefix}request.${c}`, false)),
      buckets: bucketKeys(this.#bounds, prefix).map(key => this.#slot(key, false))
    }
  }

  /** The cell of a key, made at 0 (and typed) when the key is new. */
  #slot (key: string, gauge: boolean): number {
    let slot = this.#slots.get(key)
    if (slot === undefined) {
      slot = this.#cells.push(0) - 1
      this.#slots.set(key, slot)
      if (gauge) this.#gauges.add(key)
    }
    return slot
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
