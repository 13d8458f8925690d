import { test } from 'tap'
import parse, { type MetricFamily } from 'parse-prometheus-text-format'
import { Counter, Registry } from 'prom-client'
import { build, get, traffic, Client } from './support/app.ts'

async function scrape (base: string): Promise<Map<string, MetricFamily>> {
  const res = await get(`${base}/metrics`)
  if (res.status !== 200) throw new Error(`/metrics: ${res.status}`)
  return new Map(parse(res.body).map(f => [f.name, f]))
}

interface Histogram { buckets: Array<[le: string, count: number]>, sum: number, count: number }

/**
 * The histograms of a family by their labels (without le), read from the text itself:
 * parse-prometheus-text-format folds labelled histograms together.
 */
function histograms (text: string, name: string): Map<string, Histogram> {
  const out = new Map<string, Histogram>()
  const of = (labels: string): Histogram => {
    let h = out.get(labels)
    if (h === undefined) out.set(labels, h = { buckets: [], sum: Number.NaN, count: Number.NaN })
    return h
  }
  for (const [, suffix, rawLabels, value] of text.matchAll(new RegExp(`^${name}_(bucket|sum|count)(?:\\{([^}]*)\\})? (\\S+)$`, 'gm'))) {
    let labels = rawLabels ?? ''
    if (suffix === 'bucket') {
      const le = /le="([^"]+)"/.exec(labels)![1]!
      labels = labels.replace(/le="[^"]+",?/, '')
      of(labels).buckets.push([le, Number(value)])
    } else {
      of(labels)[suffix as 'sum' | 'count'] = Number(value)
    }
  }
  return out
}

function sample (family: MetricFamily | undefined, labels: Record<string, string>): number | undefined {
  const s = family?.metrics.find(m => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
  return s?.value === undefined ? undefined : Number(s.value)
}

test('/metrics is Prometheus text: counters, gauges and a latency histogram per kind, labelled kind and status', async t => {
  const { webmgmt, api } = await build(t)
  await traffic(api, '/ok', 4)
  await traffic(api, '/missing', 2)
  const res = await get(`${webmgmt}/metrics`)
  t.equal(res.status, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const m = new Map(parse(res.body).map(f => [f.name, f]))
  t.equal(m.get('http_requests_total')?.type, 'COUNTER')
  t.equal(sample(m.get('http_requests_total'), { kind: 'api', status: '2xx' }), 4)
  t.equal(sample(m.get('http_requests_total'), { kind: 'api', status: '4xx' }), 2)
  t.equal(m.get('http_request_duration_seconds')?.type, 'HISTOGRAM')
  const hist = histograms(res.body, 'http_request_duration_seconds').get('kind="api"')
  t.equal(hist?.count, 6, 'the histogram counts the kind\'s requests')
  t.ok((hist?.sum ?? 0) > 0, 'in seconds')
  t.same(hist?.buckets.map(([le]) => le), ['0.001', '0.01', '0.05', '0.1', '0.25', '0.5', '1', '+Inf'], 'buckets in seconds')
  t.equal(m.get('websocket_connections')?.type, 'GAUGE')
  t.equal(m.get('websocket_connections_total')?.type, 'COUNTER')
  t.equal(m.get('listener_connections')?.type, 'GAUGE')
  t.equal(m.get('process_cpu_user_seconds_total')?.type, 'COUNTER', 'process metrics')
  t.equal(m.get('process_resident_memory_bytes')?.type, 'GAUGE')
  t.ok(m.has('nodejs_eventloop_lag_seconds'), 'event-loop lag')
})

test('counters never decrease between scrapes; histogram buckets are cumulative and +Inf equals count', async t => {
  // Each scrape renders afresh: the default serves one render for a second.
  const { webmgmt, api } = await build(t, { metricsMaxAge: 0 })
  let previous: Map<string, MetricFamily> | undefined
  for (let round = 0; round < 3; round++) {
    await traffic(api, '/ok', 3)
    await traffic(api, '/boom', 1)
    const text = (await get(`${webmgmt}/metrics`)).body
    const m = new Map(parse(text).map(f => [f.name, f]))
    for (const family of m.values()) {
      if (family.type === 'COUNTER' && previous !== undefined) {
        for (const s of family.metrics) {
          const before = sample(previous.get(family.name), s.labels ?? {})
          if (before !== undefined) t.ok(Number(s.value) >= before, `${family.name} ${JSON.stringify(s.labels)} did not decrease`)
        }
      }
      if (family.type === 'HISTOGRAM') {
        for (const [labels, h] of histograms(text, family.name)) {
          const counts = h.buckets.map(([, c]) => c)
          t.ok(counts.every((c, i) => i === 0 || c >= counts[i - 1]!), `${family.name} {${labels}} buckets are cumulative`)
          t.equal(h.buckets[h.buckets.length - 1]?.[0], '+Inf', `${family.name} {${labels}} ends with +Inf`)
          t.equal(counts[counts.length - 1], h.count, `${family.name} {${labels}}: +Inf equals count`)
        }
      }
    }
    previous = m
  }
  const last = histograms((await get(`${webmgmt}/metrics`)).body, 'http_request_duration_seconds').get('kind="api"')
  t.equal(last?.count, 12, 'the api kind\'s histogram counts every request')
})

test('open WebSockets are a gauge by kind', async t => {
  const { webmgmt, api } = await build(t, { metricsMaxAge: 0 })
  const client = await new Client(`${api.replace('http', 'ws')}/echo`).open()
  t.equal(sample((await scrape(webmgmt)).get('websocket_connections'), { kind: 'api' }), 1)
  t.equal(sample((await scrape(webmgmt)).get('websocket_connections_total'), { kind: 'api' }), 1)
  await client.close()
  let open: number | undefined = 1
  for (let i = 0; i < 50 && open !== 0; i++) {
    await new Promise(resolve => setTimeout(resolve, 20))
    open = sample((await scrape(webmgmt)).get('websocket_connections'), { kind: 'api' })
  }
  t.equal(open, 0)
})

test('namespace prefixes every metric; user stats and the user\'s own metrics share the registry', async t => {
  const registry = new Registry()
  const mine = new Counter({ name: 'my_orders_total', help: 'Orders', registers: [registry] })
  const { app, webmgmt, api } = await build(t, { namespace: 'shop', registry })
  t.equal(app.stats.registry, registry)
  mine.inc(3)
  app.stats.add('jobs.done', 2, { kind: 'api' })
  app.stats.set('queue.depth', 9)
  await traffic(api, '/ok', 1)
  const m = await scrape(webmgmt)
  t.equal(sample(m.get('my_orders_total'), {}), 3, 'the user\'s own metric')
  t.ok(m.has('shop_http_requests_total'), 'prefixed counter')
  t.ok(m.has('shop_process_cpu_user_seconds_total'), 'prefixed process metrics')
  t.notOk(m.has('http_requests_total'), 'nothing unprefixed of ours')
  t.equal(m.get('shop_jobs_done_total')?.type, 'COUNTER')
  t.equal(sample(m.get('shop_jobs_done_total'), { kind: 'api' }), 2, 'a user counter labelled by kind')
  t.equal(m.get('shop_queue_depth')?.type, 'GAUGE')
  t.equal(sample(m.get('shop_queue_depth'), {}), 9)
})
