import { test } from 'tap'
import { build, get, getJson, traffic } from './support/app.ts'

test('/stats is a flat JSON object of numbers with dotted keys', async t => {
  const { webmgmt } = await build(t)
  const res = await get(`${webmgmt}/stats`)
  t.equal(res.status, 200)
  t.equal(res.headers['content-type'], 'application/json')
  const stats = JSON.parse(res.body) as Record<string, unknown>
  for (const [key, value] of Object.entries(stats)) {
    t.ok(/^[\w-]+(\.[\w-]+)+$/.test(key), `${key} is dotted`)
    t.equal(typeof value, 'number', `${key} is a number`)
  }
  for (const key of ['request.total', 'request.2xx', 'request.5xx', 'latency.0.5ms', 'latency.1ms', 'latency.1s', 'latency.60s', 'latency.slow', 'latency.sum',
    'websocket.open', 'websocket.total', 'process.rss', 'process.heap', 'process.cpu.user', 'process.cpu.system',
    'process.eventloop.delay', 'process.eventloop.p99', 'process.uptime', 'kind.webmgmt.connections', 'kind.api.connections']) {
    t.type(stats[key], 'number', `has ${key}`)
  }
  t.ok((stats['process.rss'] as number) > 0, 'RSS of the process')
})

test('/stats counts requests in total, per kind and by status class, with latency buckets', async t => {
  const { webmgmt, api } = await build(t)
  const before = await getJson(`${webmgmt}/stats`)
  await traffic(api, '/ok', 5)
  await traffic(api, '/missing', 3)
  await traffic(api, '/boom', 2)
  const after = await getJson(`${webmgmt}/stats`)
  const d = (key: string): number => (after[key] ?? 0) - (before[key] ?? 0)
  t.equal(d('kind.api.request.total'), 10)
  t.equal(d('kind.api.request.2xx'), 5)
  t.equal(d('kind.api.request.4xx'), 3)
  t.equal(d('kind.api.request.5xx'), 2)
  t.ok(d('kind.api.latency.sum') > 0, 'latency sum of the kind grows')
  // The first /stats itself completed between the two reads.
  t.equal(d('kind.webmgmt.request.total'), 1)
  t.equal(d('request.total'), 11)
  const buckets = Object.keys(after).filter(k => /^latency\.([\d.]+m?s|slow)$/.test(k))
  t.equal(buckets.length, 18, 'seventeen bounds from 0.5 ms to 60 s, and slow')
  t.equal(buckets.reduce((sum, k) => sum + d(k), 0), 11, 'every request falls in one latency bucket')
  const apiBuckets = Object.keys(after).filter(k => /^kind\.api\.latency\.([\d.]+m?s|slow)$/.test(k))
  t.equal(apiBuckets.length, 18, 'the same buckets per kind')
  t.equal(apiBuckets.reduce((sum, k) => sum + d(k), 0), 10, 'every request of the kind falls in one of its buckets')
})

test('the latencyBuckets option sets the bounds of the bucket keys', async t => {
  const { webmgmt, api } = await build(t, { latencyBuckets: [0.25, 100] })
  await traffic(api, '/ok', 3)
  const stats = await getJson(`${webmgmt}/stats`)
  t.same(Object.keys(stats).filter(k => /^kind\.api\.latency\./.test(k)).sort(), ['kind.api.latency.100s', 'kind.api.latency.250ms', 'kind.api.latency.slow', 'kind.api.latency.sum'])
  t.equal(stats['kind.api.latency.250ms'], 3, 'fast requests fall in the first bound')
  const { default: Fastify } = await import('fastify')
  const { default: kindRouter } = await import('@kinds/kind-router')
  const { default: snippetsUi } = await import('../src/index.ts')
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(kindRouter)
  await t.rejects(async () => { await app.register(snippetsUi, { latencyBuckets: [1, 0.5] }) }, { code: 'KINDS_ERR_UI_OPTION', message: /latencyBuckets/ }, 'checked at register')
})

test('/stats counts WebSockets opened and open, per kind', async t => {
  const { webmgmt, api } = await build(t)
  const { Client } = await import('./support/app.ts')
  const client = await new Client(`${api.replace('http', 'ws')}/echo`).open()
  client.ws.send('hi')
  t.equal(await client.next(), 'hi')
  let stats = await getJson(`${webmgmt}/stats`)
  t.equal(stats['websocket.open'], 1)
  t.equal(stats['kind.api.websocket.open'], 1)
  t.equal(stats['kind.api.websocket.total'], 1)
  await client.close()
  for (let i = 0; i < 50 && stats['websocket.open'] !== 0; i++) {
    await new Promise(resolve => setTimeout(resolve, 20))
    stats = await getJson(`${webmgmt}/stats`)
  }
  t.equal(stats['websocket.open'], 0, 'closed sockets are no longer open')
  t.equal(stats['websocket.total'], 1, 'but stay counted')
})

test('/stats?feed gives absolute values, the gauge keys and the instances, for pollers', async t => {
  const { webmgmt } = await build(t)
  const poll = await getJson<{ time: number, stats: Record<string, number>, gauges: string[], workers: Array<{ pid: number }> }>(`${webmgmt}/stats?feed`)
  t.type(poll.time, 'number')
  t.type(poll.stats['request.total'], 'number')
  t.ok(poll.gauges.includes('process.rss') && poll.gauges.includes('websocket.open'), 'gauges are named')
  t.notOk(poll.gauges.includes('request.total'), 'counters are not gauges')
  t.equal(poll.workers[0]?.pid, process.pid)
  t.same((poll as unknown as { latencyBuckets: number[] }).latencyBuckets.slice(0, 3), [0.0005, 0.001, 0.002], 'the bucket bounds, for the page')
  t.equal((poll as unknown as { interval: number }).interval, 1000)
})
