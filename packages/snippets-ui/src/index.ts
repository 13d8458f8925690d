import { hostname } from 'node:os'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import fastifyStatic from '@fastify/static'
import { Registry, type RegistryContentType } from 'prom-client'
import { routerOf, type RequestObserver } from '@kinds/kind-router'
import { workerRelay } from '@kinds/kind-router/cluster'
import { StatsStore, type StatOptions } from './stats.js'
import { ProcessSampler } from './process-sampler.js'
import { bucketIndex, checkLatencyBuckets } from './latency-buckets.js'
import { Metrics } from './metrics.js'
import { StatsFeed } from './feed.js'
import { clusterStats, STATS_TOPIC, type WorkerSample } from './cluster-stats.js'
import { clusterMetrics } from './cluster-metrics.js'
import { clientAssets } from './assets.js'
import { webmgmtEndpoints } from './endpoints.js'
import { KINDS_ERR_NO_KIND_ROUTER, KINDS_ERR_UI_OPTION } from './errors.js'
import securityHeaders, { checkHsts, type HstsOptions } from './security-headers.js'

export interface SnippetsUiOptions {
  /** The name in the page title `<name> @ <hostname>`. Default: 'kinds'. */
  name?: string
  /** The whole page title. Default: `<name> @ <hostname>`. */
  title?: string
  /** Prefix of our own metrics in /metrics (`<namespace>_http_requests_total`), not of prom-client's defaults; '' for none. Default: 'kinds'. */
  namespace?: string
  /** Upper bounds in seconds of the latency buckets of /stats, the page and /metrics, strictly increasing. Default: DEFAULT_LATENCY_BUCKETS, 0.5 ms … 60 s, a 1-2-5 series. */
  latencyBuckets?: readonly number[]
  /** A prom-client Registry that /metrics serves, holding the user's own metrics too. Default: a new one. */
  registry?: Registry<RegistryContentType>
  /** Milliseconds between two messages of the /stats WebSocket. Default: 1000. */
  interval?: number
  /** Milliseconds a rendered /metrics is served again to other scrapers; 0 renders each scrape. Default: 1000. */
  metricsMaxAge?: number
  /** Serve the page's source maps (`/static/*.map`). Default: false. */
  sourceMaps?: boolean
  /** `strict-transport-security` for webmgmt, sent only while webmgmt is TLS-only (`tls: true`). Default: false. */
  hsts?: HstsOptions | false
}

/** `app.stats`: the user's stats, in /stats, its WebSocket feed and /metrics. */
export interface StatsApi {
  /** Sets a gauge; with `{ kind }` it is filed as `kind.<kind>.<key>` and labelled `kind`. */
  set: (key: string, value: number, options?: StatOptions) => void
  /** Adds to a counter (default 1); a counter never decreases. */
  add: (key: string, delta?: number, options?: StatOptions) => void
  /** The current value of a flat key (`request.total`, `kind.api.jobs`), or undefined. */
  get: (key: string) => number | undefined
  /** Every stat as /stats serves it. */
  snapshot: () => Record<string, number>
  /** The prom-client registry behind /metrics: register your own metrics on it. */
  readonly registry: Registry
}

declare module 'fastify' {
  interface FastifyInstance {
    stats: StatsApi
  }
}

const snippetsUi: FastifyPluginAsync<SnippetsUiOptions> = async function snippetsUi (app, options) {
  if (!app.hasDecorator('http') || !app.hasDecorator('net')) throw new KINDS_ERR_NO_KIND_ROUTER()
  const name = checkString('name', options.name) ?? 'kinds'
  const title = checkString('title', options.title) ?? `${name} @ ${hostname()}`
  const namespace = checkString('namespace', options.namespace) ?? 'kinds'
  if (namespace !== '' && !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(namespace)) throw new KINDS_ERR_UI_OPTION('namespace', 'must be a Prometheus name ([a-zA-Z_][a-zA-Z0-9_]*)')
  const registry = options.registry ?? new Registry<RegistryContentType>()
  if (!(registry instanceof Registry)) throw new KINDS_ERR_UI_OPTION('registry', 'must be a prom-client Registry')
  const latencyBuckets = checkLatencyBuckets(options.latencyBuckets)
  const interval = options.interval ?? 1000
  if (!Number.isInteger(interval) || interval <= 0) throw new KINDS_ERR_UI_OPTION('interval', 'must be a positive number of milliseconds')
  const metricsMaxAge = options.metricsMaxAge ?? 1000
  if (!Number.isInteger(metricsMaxAge) || metricsMaxAge < 0) throw new KINDS_ERR_UI_OPTION('metricsMaxAge', 'must be a whole number of milliseconds')

  const sourceMaps = options.sourceMaps ?? false
  if (typeof sourceMaps !== 'boolean') throw new KINDS_ERR_UI_OPTION('sourceMaps', 'must be a boolean')
  const hsts = checkHsts(options.hsts)

  const router = routerOf(app.http)
  const assets = await clientAssets()
  const stats = new StatsStore(latencyBuckets)
  const sampler = new ProcessSampler()
  const connectionsByKind = (): Record<string, number> => {
    const out: Record<string, number> = {}
    for (const kind of router.kinds()) out[kind] = 0
    for (const l of app.net.list()) out[l.kind] = (out[l.kind] ?? 0) + l.connections
    return out
  }
  const metrics = new Metrics({
    registry,
    namespace,
    buckets: latencyBuckets,
    connections: connectionsByKind,
    kinds: () => router.kinds().map(kind => [kind, router.kindConfig(kind)] as const)
  })
  const refresh = (): void => {
    const w = sampler.last
    const cpu = sampler.cpuSeconds()
    stats.counter('process.cpu.user', cpu.user)
    stats.counter('process.cpu.system', cpu.system)
    stats.gauge('process.rss', w.rss)
    stats.gauge('process.heap', w.heap)
    stats.gauge('process.eventloop.delay', w.eventLoopDelay.mean)
    stats.gauge('process.eventloop.p99', w.eventLoopDelay.p99)
    stats.gauge('process.uptime', Math.round(process.uptime()))
    for (const [kind, n] of Object.entries(connectionsByKind())) stats.gauge(`kind.${kind}.connections`, n)
  }
  // In a worker of runWorkers: /stats, its feed and /metrics are the sums over every worker.
  const relay = workerRelay()
  const stopAnswering: Array<() => void> = []
  let renderMetrics = (): Promise<string> => registry.metrics()
  if (relay !== undefined) {
    stopAnswering.push(relay.answer(STATS_TOPIC, (): WorkerSample => {
      refresh()
      return { stats: stats.snapshot(), gauges: stats.gauges(), worker: sampler.last }
    }))
    const cluster = clusterMetrics(relay, registry)
    stopAnswering.push(cluster.stop)
    renderMetrics = cluster.render
  }
  const feed = new StatsFeed(stats, sampler, refresh, interval, relay === undefined ? undefined : clusterStats(relay))

  // /stats and /metrics share the latency bounds: the bucket is found once.
  const onRequest: RequestObserver = done => {
    const bucket = bucketIndex(latencyBuckets, done.seconds)
    stats.request(done.kind, done.status, done.seconds, bucket)
    metrics.request(done, bucket)
  }
  const onWebsocket = (kind: string, ws: { once: (event: 'close', listener: (code: number) => void) => unknown }): void => {
    const closed = stats.websocket(kind)
    metrics.websocketOpened(kind)
    ws.once('close', code => {
      closed()
      metrics.websocketClosed(kind, code)
    })
  }
  router.requestObservers.add(onRequest)
  router.websocketObservers.add(onWebsocket)

  const api: StatsApi = {
    set (key, value, opts) {
      stats.set(key, value, opts)
      metrics.user(key, 'gauge', value, opts?.kind)
    },
    add (key, delta = 1, opts) {
      stats.add(key, delta, opts)
      metrics.user(key, 'counter', delta, opts?.kind)
    },
    get: key => stats.get(key),
    snapshot: () => stats.snapshot(),
    // Typed as prom-client's metrics' `registers` take it, whichever format it writes.
    registry: registry as Registry
  }
  app.decorate('stats', api)

  app.addHook('onClose', async () => {
    router.requestObservers.delete(onRequest)
    router.websocketObservers.delete(onWebsocket)
    for (const stop of stopAnswering) stop()
    feed.close()
    sampler.close()
    metrics.close()
  })

  await router.defineBuiltin('webmgmt', {
    endpoints: webmgmtEndpoints({ title, assets, feed, stats, metrics, router, net: app.net, snippets: app.http.snippets, renderMetrics, metricsMaxAge }),
    plugins: [
      [securityHeaders, { hsts, tlsOnly: () => router.kindConfig('webmgmt').tls === true }],
      [fastifyStatic, { root: assets.root, prefix: '/static/', maxAge: 86_400_000, index: false, decorateReply: false, wildcard: false, preCompressed: true, allowedPath: (path: string) => sourceMaps || !path.endsWith('.map') }]
    ],
    // The live feed is read by the page of the same origin only, unless allowedOrigins says otherwise.
    allowedOrigins: []
  })
}

function checkString (field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new KINDS_ERR_UI_OPTION(field, 'must be a string')
  return value
}

export default fp(snippetsUi, { fastify: '5.x', name: '@kinds/snippets-ui', dependencies: ['@kinds/kind-router'] })
export { snippetsUi }
export type { StatOptions } from './stats.js'
export type { StatsFrame, StatsHello, StatsPoll, WorkerInfo } from './wire.js'
export { DEFAULT_LATENCY_BUCKETS } from './latency-buckets.js'
export { renderSnippet, slug, escapeHtml } from './page.js'
export { healthEndpoints } from './health.js'
export { cspNonce, type HstsOptions } from './security-headers.js'
export * as errors from './errors.js'
