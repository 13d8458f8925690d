import { test } from 'tap'
import { build, getJson, traffic, Client } from './support/app.ts'

interface Frame { time: number, stats: Record<string, number>, workers: Array<{ pid: number, cpu: { user: number, system: number }, rss: number, eventLoopDelay: { mean: number, p99: number }, status: string }> }

const wsOf = (base: string): string => `${base.replace('http', 'ws')}/stats`

test('the /stats WebSocket sends { time, stats, workers } every tick, as text', async t => {
  const { webmgmt } = await build(t)
  const client = await new Client(wsOf(webmgmt)).open()
  t.teardown(() => client.close())
  const first = JSON.parse(await client.next()) as Frame
  const second = JSON.parse(await client.next()) as Frame
  t.same(Object.keys(first).sort(), ['stats', 'time', 'workers'])
  t.ok(second.time > first.time, 'time grows')
  t.type(first.stats['request.total'], 'number')
  t.equal(first.stats['websocket.open'], 1, 'a gauge is its value: this socket is open')
  t.equal(first.workers.length, 1)
  t.match(first.workers[0], { pid: process.pid, cpu: { user: Number, system: Number }, rss: Number, eventLoopDelay: { mean: Number, p99: Number }, status: /^(ok|busy)$/ })
})

test('the deltas of the WebSocket add up to the change of /stats', async t => {
  const { app, webmgmt, api } = await build(t, { interval: 200 })
  const client = await new Client(wsOf(webmgmt)).open()
  t.teardown(() => client.close())
  await client.next()
  // Nothing touches these keys between that tick and this read.
  const before = await getJson(`${webmgmt}/stats`)
  await traffic(api, '/ok', 7)
  await traffic(api, '/boom', 3)
  app.stats.add('jobs.done', 5)
  app.stats.add('jobs.done', 2, { kind: 'api' })
  const after = await getJson(`${webmgmt}/stats`)
  // Read ticks until they have carried all of it.
  const sums: Record<string, number> = {}
  let gauge = 0
  for (;;) {
    const frame = JSON.parse(await client.next()) as Frame
    for (const [key, value] of Object.entries(frame.stats)) sums[key] = (sums[key] ?? 0) + value
    gauge = frame.stats['websocket.open']!
    if (sums['kind.api.request.total'] === 10 && sums['jobs.done'] === 5 && sums['kind.api.jobs.done'] === 2) break
  }
  for (const key of ['kind.api.request.total', 'kind.api.request.2xx', 'kind.api.request.5xx', 'jobs.done', 'kind.api.jobs.done']) {
    t.equal(sums[key], (after[key] ?? 0) - (before[key] ?? 0), `${key}: the deltas sum to the change`)
  }
  t.equal(sums['kind.api.request.total'], 10)
  t.equal(sums['jobs.done'], 5)
  t.equal(gauge, 1, 'gauges are sent as values, not deltas')
})

test('every client gets the same bytes of a tick: one serialisation shared', async t => {
  const { webmgmt } = await build(t, { interval: 200 })
  const a = await new Client(wsOf(webmgmt)).open()
  const b = await new Client(wsOf(webmgmt)).open()
  t.teardown(async () => { await a.close(); await b.close() })
  const fa = new Map<number, string>()
  const fb = new Map<number, string>()
  while (![...fa.keys()].some(time => fb.has(time))) {
    const [ma, mb] = await Promise.all([a.next(), b.next()])
    fa.set((JSON.parse(ma) as Frame).time, ma)
    fb.set((JSON.parse(mb) as Frame).time, mb)
  }
  const time = [...fa.keys()].find(k => fb.has(k))!
  t.equal(fa.get(time), fb.get(time), 'identical frames for the same tick')
})

test('a client that closes is dropped from the feed', async t => {
  const { webmgmt } = await build(t, { interval: 200 })
  const client = await new Client(wsOf(webmgmt)).open()
  await client.next()
  await client.close()
  let open = 1
  for (let i = 0; i < 50 && open !== 0; i++) {
    await new Promise(resolve => setTimeout(resolve, 20))
    open = (await getJson(`${webmgmt}/stats`))['websocket.open']!
  }
  t.equal(open, 0)
})
