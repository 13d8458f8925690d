import { test } from 'tap'
import { build, getJson, traffic, Client } from './support/app.ts'

interface Frame { time: number, stats: Record<string, number>, workers: Array<{ pid: number, cpu: { user: number, system: number }, rss: number, eventLoopDelay: { mean: number, p99: number }, status: string }> }
interface Hello { interval: number, latencyBuckets: number[], gauges: string[], history: Frame[] }

const wsOf = (base: string): string => `${base.replace('http', 'ws')}/stats`

test('the /stats WebSocket sends { time, stats, workers } every tick, as text', async t => {
  const { webmgmt } = await build(t)
  const client = await new Client(wsOf(webmgmt)).open()
  t.teardown(() => client.close())
  await client.next()
  const first = JSON.parse(await client.next()) as Frame
  const second = JSON.parse(await client.next()) as Frame
  t.same(Object.keys(first).sort(), ['stats', 'time', 'workers'])
  t.ok(second.time > first.time, 'time grows')
  t.type(first.stats['request.total'], 'number')
  t.equal(first.stats['websocket.open'], 1, 'a gauge is its value: this socket is open')
  t.equal(first.workers.length, 1)
  t.match(first.workers[0], { pid: process.pid, cpu: { user: Number, system: Number }, rss: Number, eventLoopDelay: { mean: Number, p99: Number }, status: /^(ok|busy)$/ })
})

test('a client first gets the history: interval, bucket bounds, gauges and the frames held, oldest first', async t => {
  const { webmgmt, api } = await build(t, { interval: 50 })
  await traffic(api, '/ok', 2)
  // Let the server tick a few times with no client at all: the ring fills anyway.
  await new Promise(resolve => setTimeout(resolve, 400))
  const client = await new Client(wsOf(webmgmt)).open()
  t.teardown(() => client.close())
  const hello = JSON.parse(await client.next()) as Hello
  t.same(Object.keys(hello).sort(), ['gauges', 'history', 'interval', 'latencyBuckets'])
  t.equal(hello.interval, 50)
  t.equal(hello.latencyBuckets.length, 17)
  t.ok(hello.gauges.includes('process.rss'))
  t.ok(hello.history.length >= 2, `frames ticked before the client came (${hello.history.length})`)
  t.ok(hello.history.every((f, i) => i === 0 || f.time > hello.history[i - 1]!.time), 'oldest first')
  const sum = hello.history.reduce((n, f) => n + (f.stats['kind.api.request.total'] ?? 0), 0)
  t.ok(sum <= 2, 'the history holds deltas')
  const next = JSON.parse(await client.next()) as Frame
  t.ok(next.time > hello.history.at(-1)!.time, 'then the ticks that follow')
  t.notOk(Object.keys(next.stats).some(k => /latency\.\d/.test(k) && next.stats[k] === 0), 'an empty latency bucket is left out of a frame')
  t.type(next.stats['request.total'], 'number', 'other counters are there even at 0')
})

test('the history ring holds 15 minutes of ticks and no more', async t => {
  const { StatsFeed } = await import('../src/feed.ts')
  const { StatsStore } = await import('../src/stats.ts')
  const { ProcessSampler } = await import('../src/process-sampler.ts')
  const sampler = new ProcessSampler()
  // One tick a minute: 15 fit; the timer never fires during the test, the ticks are called.
  const feed = new StatsFeed(new StatsStore(), sampler, () => {}, 60_000)
  t.teardown(() => { feed.close(); sampler.close() })
  for (let i = 0; i < 40; i++) feed.tick()
  t.equal(feed.history.frames, 15)
  t.ok(feed.history.bytes > 15 * 100 && feed.history.bytes < 15 * 10_000, `${feed.history.bytes} bytes for 15 frames`)
})

test('the deltas of the WebSocket add up to the change of /stats', async t => {
  const { app, webmgmt, api } = await build(t, { interval: 200 })
  const client = await new Client(wsOf(webmgmt)).open()
  t.teardown(() => client.close())
  await client.next()
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
  await Promise.all([a.next(), b.next()])
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
