// fastify-metrics on a kind and the user's own metrics, all on app.stats.registry, all in webmgmt's one /metrics.
import { test, type Test } from 'tap'
import fastifyMetricsModule, { type IMetricsPluginOptions } from 'fastify-metrics'
import { collectDefaultMetrics, Counter, Registry } from 'prom-client'
import type { KindConfig } from '@kinds/kind-router'
import type { EndpointTable } from '@kinds/endpoint-table'
import { apiEndpoints, build, traffic, type Built, type ConfigureApi } from './support/app.ts'
import { families, sample, scrapeText } from './support/scrape.ts'

// A CommonJS module whose plugin is its `default` export.
const fastifyMetrics = fastifyMetricsModule.default

/**
 * fastify-metrics on a kind, its metrics on `registry`: webmgmt already collects the
 * process metrics; the table's routes take several methods, which fastify-metrics'
 * registered-routes list does not match; the route label is the table's endpoint.
 */
function onRegistry (registry: Registry): Partial<IMetricsPluginOptions> {
  return {
    endpoint: null,
    defaultMetrics: { enabled: false },
    routeMetrics: {
      registeredRoutesOnly: false,
      overrides: {
        histogram: { registers: [registry] },
        summary: { registers: [registry] },
        labels: { getRouteLabel: request => request.routeOptions.config.endpoint ?? request.routeOptions.url ?? '(unmatched)' }
      }
    }
  }
}

/** An app with webmgmt and an `api` kind that `configure` makes, both listening on port 0. */
async function start (t: Pick<Test, 'teardown'>, configure: ConfigureApi, registry?: Registry): Promise<Built> {
  return await build(t, registry === undefined ? { metricsMaxAge: 0 } : { registry, metricsMaxAge: 0 }, configure)
}

/** Every metric name that has a `# TYPE` line more than once. */
function repeatedFamilies (text: string): string[] {
  const seen = new Set<string>()
  const twice: string[] = []
  for (const [, name] of text.matchAll(/^# TYPE (\S+) /gm)) {
    if (seen.has(name!)) twice.push(name!)
    seen.add(name!)
  }
  return twice
}

test('fastify-metrics on a kind with app.stats.registry, and the user\'s counters, in one /metrics', async t => {
  const { app, webmgmt, api } = await start(t, async app => {
    await app.http.config({ endpoints: apiEndpoints, plugins: [[fastifyMetrics, onRegistry(app.stats.registry)]] }, 'api')
  })
  const orders = new Counter({ name: 'shop_orders_total', help: 'Orders placed', registers: [app.stats.registry] })
  orders.inc(5)
  await traffic(api, '/ok', 3)
  await traffic(api, '/ok/below', 1)
  await traffic(api, '/missing', 1)
  const text = await scrapeText(webmgmt)
  const m = families(text)
  t.comment(text.split('\n').filter(line => /^(http_request_duration_seconds_count|kinds_http_requests_total\{kind="api",method="GET",route="\/ok",status_code="200"\}|shop_orders_total)/.test(line)).join('\n'))
  t.same(repeatedFamilies(text), [], 'no family twice')
  t.equal(m.get('http_request_duration_seconds')?.type, 'HISTOGRAM', 'fastify-metrics\' histogram under its own name')
  t.match(text, /^http_request_duration_seconds_count\{method="GET",route="\/ok",status_code="200"\} 4$/m, 'fastify-metrics counted the kind\'s requests')
  t.ok(m.has('http_request_summary_seconds'), 'and its summary')
  t.equal(sample(m.get('kinds_http_requests_total'), { kind: 'api', method: 'GET', route: '/ok', status_code: '200' }), 4, 'ours counted the same requests')
  t.equal(sample(m.get('shop_orders_total'), {}), 5, 'the user\'s own counter')
  t.equal(m.get('process_cpu_user_seconds_total')?.type, 'COUNTER', 'the process metrics once')
})

test('a kind rebuilt with fastify-metrics in its setup keeps building when its metrics are removed first', async t => {
  const config = (registry: Registry, endpoints: EndpointTable): KindConfig => ({
    endpoints,
    async setup (kind) {
      // The previous build's metrics are still registered: fastify-metrics would refuse the names.
      registry.removeSingleMetric('http_request_duration_seconds')
      registry.removeSingleMetric('http_request_summary_seconds')
      await kind.register(fastifyMetrics, onRegistry(registry))
    }
  })
  const { app, webmgmt, api } = await start(t, async app => { await app.http.config(config(app.stats.registry, apiEndpoints), 'api') })
  await traffic(api, '/ok', 2)
  await app.http.config(config(app.stats.registry, { ...apiEndpoints, '/new': ['text/plain', () => 'new'] }), 'api')
  await traffic(api, '/new', 1)
  const text = await scrapeText(webmgmt)
  t.same(repeatedFamilies(text), [])
  t.match(text, /^http_request_duration_seconds_count\{method="GET",route="\/new",status_code="200"\} 1$/m, 'the rebuilt kind\'s fastify-metrics counts')
  t.equal(sample(families(text).get('kinds_http_requests_total'), { kind: 'api', method: 'GET', route: '/ok', status_code: '200' }), 2, 'ours keep counting across the rebuild')
})

test('a registry that already collects prom-client\'s defaults keeps them, once', async t => {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const { webmgmt } = await start(t, async app => { await app.http.config({ endpoints: apiEndpoints }, 'api') }, registry)
  const text = await scrapeText(webmgmt)
  t.same(repeatedFamilies(text), [])
  t.match(text, /^# TYPE process_cpu_user_seconds_total counter$/m)
})
