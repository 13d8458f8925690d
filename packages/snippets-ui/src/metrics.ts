import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry, type RegistryContentType, type Metric, type MetricObjectWithValues, type MetricValueWithName } from 'prom-client'
import { normalizeTable, type EndpointTable } from '@kinds/endpoint-table'
import { UNMATCHED_ROUTE, type CompletedRequest } from '@kinds/kind-router'
import { closeCodeLabel, RequestSeries, type RouteLabels } from './request-series.js'
import { KINDS_ERR_STAT_KEY } from './errors.js'

export interface MetricsOptions {
  registry: Registry<RegistryContentType>
  /** Prefix of our own metrics (`kinds` → `kinds_http_requests_total`); '' for none. prom-client's defaults keep their names. */
  namespace: string
  /** Upper bounds in seconds of the latency histogram. */
  buckets: readonly number[]
  /** Open connections of each kind's listeners, read at scrape time. */
  connections: () => Record<string, number>
  /** Each kind and its current config, read at scrape time, so that a new table's series exist at zero. */
  kinds: () => Iterable<readonly [kind: string, config: { endpoints?: EndpointTable }]>
}

/** What a route is created with before any request: GET with one code of each outcome, so error panels read 0. */
const INITIAL_METHODS = ['GET']
const INITIAL_STATUSES = [200, 404, 500]
/** Close codes created at zero: normal, going away, abnormal (no close frame), handler error. */
const INITIAL_CLOSE_CODES = ['1000', '1001', '1006', '1011']

type HistogramLabel = keyof RouteLabels

/** The latency histogram, read from the request series at scrape time instead of observed request by request. */
class RouteLatency extends Histogram<HistogramLabel> {
  readonly #name: string
  readonly #help = 'Request latency by kind, method and route, in seconds'
  readonly #series: RequestSeries
  readonly #before: () => void

  constructor (name: string, series: RequestSeries, before: () => void, registers: Array<Registry<RegistryContentType>>) {
    super({ name, help: 'Request latency by kind, method and route, in seconds', labelNames: ['kind', 'method', 'route'], buckets: [...series.bounds], registers })
    this.#name = name
    this.#series = series
    this.#before = before
  }

  override async get (): Promise<MetricObjectWithValues<MetricValueWithName<HistogramLabel | 'le'>>> {
    this.#before()
    const bucket = `${this.#name}_bucket`
    const values: Array<MetricValueWithName<HistogramLabel | 'le'>> = []
    for (const s of this.#series.all()) {
      let cumulative = 0
      for (let i = 0; i < s.buckets.length; i++) {
        cumulative += s.buckets[i]!
        const le = i < this.#series.bounds.length ? this.#series.bounds[i]! : '+Inf'
        values.push({ labels: { ...s.labels, le }, value: cumulative, metricName: bucket })
      }
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.#name}_sum` })
      values.push({ labels: s.labels, value: s.count, metricName: `${this.#name}_count` })
    }
    // The shape Histogram#get answers; prom-client's typings also ask for collect and an enum the module does not export.
    return { name: this.#name, help: this.#help, type: 'histogram', values, aggregator: 'sum' } as unknown as MetricObjectWithValues<MetricValueWithName<HistogramLabel | 'le'>>
  }

  /** The registry prefers this one for the text formats. */
  getForPromString (): Promise<MetricObjectWithValues<MetricValueWithName<HistogramLabel | 'le'>>> {
    return this.get()
  }
}

/**
 * The prom-client side of the stats: requests, latency, body bytes and WebSockets
 * under our own prefix, prom-client's default process metrics under their own
 * names, and the user's stats, all on one registry.
 */
export class Metrics {
  readonly registry: Registry<RegistryContentType>
  readonly #ns: string
  readonly #series: RequestSeries
  readonly #kinds: MetricsOptions['kinds']
  /** The config each kind's series were last created at zero for. */
  readonly #initialised = new Map<string, object>()
  readonly #wsOpened: Counter<'kind'>
  readonly #wsClosed: Counter<'kind' | 'code'>
  readonly #wsOpen: Gauge<'kind'>
  readonly #user = new Map<string, Counter<'kind'> | Gauge<'kind'>>()
  readonly #owned: string[] = []

  constructor (options: MetricsOptions) {
    this.registry = options.registry
    this.#ns = options.namespace
    this.#series = new RequestSeries(options.buckets)
    this.#kinds = options.kinds
    const registers = [this.registry]
    const before = new Set(this.registry.getMetricsAsArray().map(m => m.name))
    const series = this.#series
    const init = (): void => this.#initialiseKinds()
    const fromSeries = (name: string, help: string, labelNames: string[], each: (c: Counter<string>) => void): void => {
      // eslint-disable-next-line no-new
      new Counter({ name: this.#name(name), help, labelNames, registers, collect () { init(); this.reset(); each(this) } })
    }
    fromSeries('http_requests_total', 'Completed requests by kind, method, route and status code', ['kind', 'method', 'route', 'status_code'], c => {
      for (const s of series.all()) for (const status of s.statuses.values()) c.inc(status.labels, status.count)
    })
    // eslint-disable-next-line no-new
    new RouteLatency(this.#name('http_request_duration_seconds'), series, init, registers)
    fromSeries('http_request_body_bytes_total', 'Request body bytes read, by kind, method and route', ['kind', 'method', 'route'], c => {
      for (const s of series.all()) c.inc(s.labels, s.bytesIn)
    })
    fromSeries('http_response_body_bytes_total', 'Response body bytes by their content-length, by kind, method and route', ['kind', 'method', 'route'], c => {
      for (const s of series.all()) c.inc(s.labels, s.bytesOut)
    })
    this.#wsOpened = new Counter({ name: this.#name('websocket_opened_total'), help: 'WebSocket connections opened, by kind', labelNames: ['kind'], registers, collect: init })
    this.#wsClosed = new Counter({ name: this.#name('websocket_closed_total'), help: 'WebSocket connections closed, by kind and close code (3xxx, 4xxx: application codes)', labelNames: ['kind', 'code'], registers, collect: init })
    this.#wsOpen = new Gauge({ name: this.#name('websocket_open_connections'), help: 'Open WebSocket connections by kind', labelNames: ['kind'], registers, collect: init })
    const connections = options.connections
    // eslint-disable-next-line no-new
    new Gauge({
      name: this.#name('listener_open_connections'),
      help: 'Open connections on the listeners of each kind',
      labelNames: ['kind'],
      registers,
      collect () {
        this.reset()
        for (const [kind, n] of Object.entries(connections())) this.set({ kind }, n)
      }
    })
    // A registry that already has the process metrics (the user collects them) keeps its own.
    if (this.registry.getSingleMetric('process_cpu_user_seconds_total') === undefined) {
      collectDefaultMetrics({ register: this.registry })
    }
    for (const m of this.registry.getMetricsAsArray()) if (!before.has(m.name)) this.#owned.push(m.name)
  }

  /** One completed request: plain additions, no label lookup; `bucket` is its latency bucket if known. */
  request (r: CompletedRequest, bucket?: number): void {
    this.#series.record(r, bucket)
  }

  websocketOpened (kind: string): void {
    this.#wsOpen.inc({ kind })
    this.#wsOpened.inc({ kind })
  }

  websocketClosed (kind: string, code: number): void {
    this.#wsOpen.dec({ kind })
    this.#wsClosed.inc({ kind, code: closeCodeLabel(code) })
  }

  /** A user stat: `set` makes a gauge, `add` a counter; `kind` becomes a label. */
  user (key: string, type: 'counter' | 'gauge', value: number, kind: string | undefined): void {
    const base = this.#name(key.replace(/\./g, '_'))
    const name = type === 'counter' && !base.endsWith('_total') ? `${base}_total` : base
    let metric = this.#user.get(name)
    if (metric === undefined) {
      // In OpenMetrics a counter `x_total` is the family `x`: a gauge `x` beside it would be the same family twice.
      const family = type === 'counter' ? name.slice(0, -'_total'.length) : `${name}_total`
      if (this.registry.getSingleMetric(family) !== undefined) {
        throw new KINDS_ERR_STAT_KEY(key, `cannot be a Prometheus metric: ${name} and ${family} would be one OpenMetrics family`)
      }
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

  /** Every series a kind's table will have, at zero, once per build of the kind. */
  #initialiseKinds (): void {
    for (const [kind, config] of this.#kinds()) {
      if (this.#initialised.get(kind) === config) continue
      this.#initialised.set(kind, config)
      let routes: string[]
      try {
        routes = normalizeTable(config.endpoints ?? {}).map(e => e.path)
      } catch {
        continue
      }
      for (const route of [...routes, UNMATCHED_ROUTE]) {
        for (const method of INITIAL_METHODS) {
          const series = this.#series.route(kind, method, route)
          for (const code of route === UNMATCHED_ROUTE ? [404] : INITIAL_STATUSES) this.#series.status(series, code)
        }
      }
      this.#wsOpened.inc({ kind }, 0)
      this.#wsOpen.inc({ kind }, 0)
      for (const code of INITIAL_CLOSE_CODES) this.#wsClosed.inc({ kind, code }, 0)
    }
  }

  #name (name: string): string {
    return this.#ns === '' ? name : `${this.#ns}_${name}`
  }
}

export type { Metric }
