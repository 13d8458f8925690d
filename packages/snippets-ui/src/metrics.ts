import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client'
import { latencyBuckets, statusClass, type StatusClass } from './stats.js'
import { KINDS_ERR_STAT_KEY } from './errors.js'

export interface MetricsOptions {
  registry: Registry
  namespace: string
  /** Open connections of each kind's listeners, read at scrape time. */
  connections: () => Record<string, number>
}

/**
 * The prom-client side of the stats: counters as counters, gauges as gauges, a
 * latency histogram per kind, process metrics, and the user's stats, all on one registry.
 */
export class Metrics {
  readonly registry: Registry
  readonly #ns: string
  readonly #requests: Counter<'kind' | 'status'>
  readonly #latency: Histogram<'kind'>
  readonly #wsOpen: Gauge<'kind'>
  readonly #wsTotal: Counter<'kind'>
  readonly #user = new Map<string, Counter<'kind'> | Gauge<'kind'>>()
  /** Children by kind and status class, so a request costs no label lookup. */
  readonly #children = new Map<string, { requests: Record<StatusClass, { inc (): void }>, latency: { observe (v: number): void } }>()
  readonly #owned: string[] = []

  constructor (options: MetricsOptions) {
    this.registry = options.registry
    this.#ns = options.namespace
    const registers = [this.registry]
    const before = new Set(this.registry.getMetricsAsArray().map(m => m.name))
    this.#requests = new Counter({ name: this.#name('http_requests_total'), help: 'Completed requests by kind and status class', labelNames: ['kind', 'status'], registers })
    this.#latency = new Histogram({ name: this.#name('http_request_duration_seconds'), help: 'Request latency by kind, in seconds', labelNames: ['kind'], buckets: latencyBuckets.map(([, le]) => le), registers })
    this.#wsOpen = new Gauge({ name: this.#name('websocket_connections'), help: 'Open WebSocket connections by kind', labelNames: ['kind'], registers })
    this.#wsTotal = new Counter({ name: this.#name('websocket_connections_total'), help: 'WebSocket connections opened by kind', labelNames: ['kind'], registers })
    const connections = options.connections
    // eslint-disable-next-line no-new
    new Gauge({
      name: this.#name('listener_connections'),
      help: 'Open connections on the listeners of each kind',
      labelNames: ['kind'],
      registers,
      collect () {
        this.reset()
        for (const [kind, n] of Object.entries(connections())) this.set({ kind }, n)
      }
    })
    // A registry that already has the process metrics (the user collects them) keeps its own.
    if (this.registry.getSingleMetric(this.#name('process_cpu_user_seconds_total')) === undefined) {
      collectDefaultMetrics({ register: this.registry, prefix: this.#ns === '' ? '' : `${this.#ns}_` })
    }
    for (const m of this.registry.getMetricsAsArray()) if (!before.has(m.name)) this.#owned.push(m.name)
  }

  request (kind: string, status: number, seconds: number): void {
    let child = this.#children.get(kind)
    if (child === undefined) {
      child = {
        requests: Object.fromEntries((['1xx', '2xx', '3xx', '4xx', '5xx'] as const).map(c => [c, this.#requests.labels(kind, c)])) as Record<StatusClass, { inc (): void }>,
        latency: this.#latency.labels(kind)
      }
      this.#children.set(kind, child)
    }
    child.requests[statusClass(status)].inc()
    child.latency.observe(seconds)
  }

  websocketOpened (kind: string): void {
    this.#wsOpen.inc({ kind })
    this.#wsTotal.inc({ kind })
  }

  websocketClosed (kind: string): void {
    this.#wsOpen.dec({ kind })
  }

  /** A user stat: `set` makes a gauge, `add` a counter; `kind` becomes a label. */
  user (key: string, type: 'counter' | 'gauge', value: number, kind: string | undefined): void {
    const base = this.#name(key.replace(/\./g, '_'))
    const name = type === 'counter' && !base.endsWith('_total') ? `${base}_total` : base
    let metric = this.#user.get(name)
    if (metric === undefined) {
      const config = { name, help: `User stat ${key}`, labelNames: ['kind'] as const, registers: [this.registry] }
      try {
        metric = type === 'counter' ? new Counter(config) : new Gauge(config)
      } catch (err) {
        throw new KINDS_ERR_STAT_KEY(key, `cannot be a Prometheus metric: ${(err as Error).message}`)
      }
      this.#user.set(name, metric)
      this.#owned.push(name)
    }
    const labels = kind === undefined ? {} : { kind }
    if (metric instanceof Counter) metric.inc(labels, value)
    else metric.set(labels, value)
  }

  /** Removes what this plugin put on the registry, which may be the user's. */
  close (): void {
    for (const name of this.#owned) this.registry.removeSingleMetric(name)
  }

  #name (name: string): string {
    return this.#ns === '' ? name : `${this.#ns}_${name}`
  }
}

export type { Metric }
