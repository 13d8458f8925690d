import { test } from 'tap'
import { Counter, Registry } from 'prom-client'
import { request } from 'undici'
import { build, get, traffic, Client } from './support/app.ts'
import { families, histograms, sample, scrape, scrapeText } from './support/scrape.ts'
import { DEFAULT_LATENCY_BUCKETS } from '../src/latency-buckets.ts'
import snippetsUi from '../src/index.ts'
import Fastify from 'fastify'
import kindRouter from '@kinds/kind-router'

const api = (method: string, route: string, status: string): Record<string, string> => ({ kind: 'api', method, route, status_code: status })

test('/metrics counts requests by kind, method, route (the endpoint path, never the URL) and status code', async t => {
  const { webmgmt, api: base } = await build(t, { metricsMaxAge: 0 })
  await traffic(base, '/ok', 3)
  await traffic(base, '/ok/deeper/still', 1)
  await traffic(base, '/missing', 2)
  await traffic(base, '/no/such/endpoint', 1)
  await (await request(`${base}/ok`, { method: 'POST', body: 'hello' })).body.dump()
  const res = await get(`${webmgmt}/metrics`)
  t.equal(res.status, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const m = families(res.body)
  const requests = m.get('kinds_http_requests_total')
  t.equal(requests?.type, 'COUNTER')
  t.equal(sample(requests, api('GET', '/ok', '200')), 4, 'a path below an endpoint counts as the endpoint')
  t.equal(sample(requests, api('POST', '/ok', '200')), 1, 'by method')
  t.equal(sample(requests, api('GET', '/missing', '404')), 2, 'by status code, not class')
  t.equal(sample(requests, api('GET', '(unmatched)', '404')), 1, 'an unknown path is the one route (unmatched)')
  t.notMatch(res.body, /deeper|no\/such/, 'no raw URL in any label')
  t.equal(m.get('kinds_http_request_duration_seconds')?.type, 'HISTOGRAM')
  const hist = histograms(res.body, 'kinds_http_request_duration_seconds').get('kind="api",method="GET",route="/ok"')
  t.equal(hist?.count, 4, 'the histogram counts the route\'s requests')
  t.ok((hist?.sum ?? 0) > 0, 'in seconds')
  t.same(hist?.buckets.map(([le]) => le), [...DEFAULT_LATENCY_BUCKETS.map(String), '+Inf'], 'the shared log-spaced buckets, 0.5 ms to 60 s')
  t.equal(m.get('kinds_listener_open_connections')?.type, 'GAUGE')
  t.equal(m.get('process_cpu_user_seconds_total')?.type, 'COUNTER', 'prom-client\'s process metrics under their own names')
  t.equal(m.get('process_resident_memory_bytes')?.type, 'GAUGE')
  t.ok(m.has('nodejs_eventloop_lag_seconds'), 'event-loop lag')
})

test('every series a kind will have is there at zero before its first request', async t => {
  const { app, webmgmt } = await build(t, { metricsMaxAge: 0 })
  const m = await scrape(webmgmt)
  const requests = m.get('kinds_http_requests_total')
  for (const route of ['/ok', '/missing', '/boom', '/echo']) {
    for (const code of ['200', '404', '500']) t.equal(sample(requests, api('GET', route, code)), 0, `GET ${route} ${code} at 0`)
  }
  t.equal(sample(requests, api('GET', '(unmatched)', '404')), 0, 'unmatched 404 at 0')
  t.equal(sample(requests, { kind: 'webmgmt', method: 'GET', route: '/metrics', status_code: '500' }), 0, 'webmgmt too')
  t.equal(sample(m.get('kinds_websocket_opened_total'), { kind: 'api' }), 0)
  t.equal(sample(m.get('kinds_websocket_open_connections'), { kind: 'api' }), 0)
  for (const code of ['1000', '1001', '1006', '1011']) t.equal(sample(m.get('kinds_websocket_closed_total'), { kind: 'api', code }), 0, `close ${code} at 0`)
  t.equal(sample(m.get('kinds_http_request_body_bytes_total'), { kind: 'api', method: 'GET', route: '/ok' }), 0)
  const text = await scrapeText(webmgmt)
  t.equal(histograms(text, 'kinds_http_request_duration_seconds').get('kind="api",method="GET",route="/boom"')?.count, 0, 'an empty histogram per route')

  // A kind configured later, and a new table on a live kind, have theirs at the next scrape.
  await app.http.config({ endpoints: { '/late': ['text/plain', () => 'late'] } }, 'later')
  await app.http.config({ endpoints: { '/fresh': ['text/plain', () => 'fresh'] } }, 'api')
  const after = (await scrape(webmgmt)).get('kinds_http_requests_total')
  t.equal(sample(after, { kind: 'later', method: 'GET', route: '/late', status_code: '500' }), 0, 'a new kind')
  t.equal(sample(after, api('GET', '/fresh', '500')), 0, 'a new table')
})

test('counters never decrease between scrapes; histogram buckets are cumulative and +Inf equals count', async t => {
  const { webmgmt, api: base } = await build(t, { metricsMaxAge: 0 })
  let previous: ReturnType<typeof families> | undefined
  for (let round = 0; round < 3; round++) {
    await traffic(base, '/ok', 3)
    await traffic(base, '/boom', 1)
    const text = await scrapeText(webmgmt)
    const m = families(text)
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
  const last = families(await scrapeText(webmgmt)).get('kinds_http_requests_total')
  t.equal(sample(last, api('GET', '/ok', '200')), 9)
  t.equal(sample(last, api('GET', '/boom', '500')), 3)
})

test('WebSockets: opened and open by kind, closed by close code', async t => {
  const { webmgmt, api: base } = await build(t, { metricsMaxAge: 0 })
  const url = `${base.replace('http', 'ws')}/echo`
  const first = await new Client(url).open()
  const second = await new Client(url).open()
  let m = await scrape(webmgmt)
  t.equal(sample(m.get('kinds_websocket_open_connections'), { kind: 'api' }), 2)
  t.equal(sample(m.get('kinds_websocket_opened_total'), { kind: 'api' }), 2)
  first.ws.close(1000)
  second.ws.close(4321, 'app code')
  let closed = 0
  for (let i = 0; i < 100 && closed < 2; i++) {
    await new Promise(resolve => setTimeout(resolve, 20))
    m = await scrape(webmgmt)
    closed = (sample(m.get('kinds_websocket_closed_total'), { kind: 'api', code: '1000' }) ?? 0) +
      (sample(m.get('kinds_websocket_closed_total'), { kind: 'api', code: '4xxx' }) ?? 0)
  }
  t.equal(sample(m.get('kinds_websocket_closed_total'), { kind: 'api', code: '1000' }), 1, 'the code as it is')
  t.equal(sample(m.get('kinds_websocket_closed_total'), { kind: 'api', code: '4xxx' }), 1, 'an application code as its range')
  t.equal(sample(m.get('kinds_websocket_open_connections'), { kind: 'api' }), 0)
  t.equal(sample(m.get('kinds_websocket_opened_total'), { kind: 'api' }), 2, 'opened never decreases')
})

test('body bytes in and out by kind, method and route', async t => {
  const { webmgmt, api: base } = await build(t, { metricsMaxAge: 0 })
  await (await request(`${base}/ok`, { method: 'POST', body: 'twelve bytes' })).body.dump()
  await (await request(`${base}/ok`, { method: 'POST', body: 'abc' })).body.dump()
  await (await request(`${base}/ok`, { method: 'HEAD' })).body.dump()
  await traffic(base, '/ok', 1)
  const m = await scrape(webmgmt)
  const labels = (method: string): Record<string, string> => ({ kind: 'api', method, route: '/ok' })
  t.equal(sample(m.get('kinds_http_request_body_bytes_total'), labels('POST')), 15)
  t.equal(sample(m.get('kinds_http_response_body_bytes_total'), labels('POST')), 2 * '{"ok":true}'.length)
  t.equal(sample(m.get('kinds_http_response_body_bytes_total'), labels('HEAD')), 0, 'HEAD sends no body')
  t.equal(sample(m.get('kinds_http_response_body_bytes_total'), labels('GET')), '{"ok":true}'.length)
})

test('namespace prefixes our own metrics only; user stats and the user\'s own metrics share the registry', async t => {
  const registry = new Registry()
  const mine = new Counter({ name: 'my_orders_total', help: 'Orders', registers: [registry] })
  const { app, webmgmt, api: base } = await build(t, { namespace: 'shop', registry, metricsMaxAge: 0 })
  t.equal(app.stats.registry, registry)
  mine.inc(3)
  app.stats.add('jobs.done', 2, { kind: 'api' })
  app.stats.set('queue.depth', 9)
  await traffic(base, '/ok', 1)
  const m = await scrape(webmgmt)
  t.equal(sample(m.get('my_orders_total'), {}), 3, 'the user\'s own metric')
  t.equal(sample(m.get('shop_http_requests_total'), api('GET', '/ok', '200')), 1, 'prefixed counter')
  t.ok(m.has('process_cpu_user_seconds_total'), 'prom-client\'s defaults keep their names')
  t.notOk(m.has('shop_process_cpu_user_seconds_total'), 'and are not prefixed')
  t.notOk([...m.keys()].some(name => name.startsWith('kinds_')), 'nothing under the default prefix')
  t.equal(m.get('shop_jobs_done_total')?.type, 'COUNTER')
  t.equal(sample(m.get('shop_jobs_done_total'), { kind: 'api' }), 2, 'a user counter labelled by kind')
  t.equal(m.get('shop_queue_depth')?.type, 'GAUGE')
  t.equal(sample(m.get('shop_queue_depth'), {}), 9)
})

test('a user gauge and counter that would be one OpenMetrics family is KINDS_ERR_STAT_KEY', async t => {
  const { app } = await build(t, { metricsMaxAge: 0 })
  app.stats.add('jobs.total')
  t.throws(() => app.stats.set('jobs', 1), { code: 'KINDS_ERR_STAT_KEY', message: /kinds_jobs and kinds_jobs_total would be one OpenMetrics family/ })
})

test('latencyBuckets sets the histogram\'s buckets; a bad one is KINDS_ERR_UI_OPTION at register', async t => {
  const { webmgmt, api: base } = await build(t, { latencyBuckets: [0.25, 4], metricsMaxAge: 0 })
  await traffic(base, '/ok', 1)
  const hist = histograms(await scrapeText(webmgmt), 'kinds_http_request_duration_seconds').get('kind="api",method="GET",route="/ok"')
  t.same(hist?.buckets, [['0.25', 1], ['4', 1], ['+Inf', 1]])

  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  await app.register(kindRouter)
  await t.rejects(async () => { await app.register(snippetsUi, { latencyBuckets: [1, 0.5] }) }, { code: 'KINDS_ERR_UI_OPTION', message: /latencyBuckets/ })
})
