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
  for (const key of ['request.total', 'request.2xx', 'request.5xx', 'latency.1ms', 'latency.1s', 'latency.slow', 'latency.sum',
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
  const buckets = Object.keys(after).filter(k => /^latency\.(\d+m?s|slow)$/.test(k))
  t.equal(buckets.reduce((sum, k) => sum + d(k), 0), 11, 'every request falls in one latency bucket')
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
})
