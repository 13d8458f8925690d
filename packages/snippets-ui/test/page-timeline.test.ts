// The page's own arithmetic, without a browser: gaps in time, and what the picker offers.
import { test } from 'tap'
import { Timeline } from '../client/timeline.ts'
import { catalog } from '../client/catalog.ts'
import type { StatsFrame } from '../src/wire.ts'

const frame = (time: number, stats: Record<string, number> = {}): StatsFrame => ({ time, stats, workers: [] })

test('a missing stretch of ticks is a null point and a gap, a late tick is not', async t => {
  const line = new Timeline()
  line.interval = 1000
  const now = Date.now()
  // Ticks every second, one 1.8 s late, then 10 s missing (a restart), then ticks again up to now.
  const times = [-20, -19, -18, -16.2, -15, -14, -4, -3, -2, -1, 0].map(s => now + s * 1000)
  t.ok(line.add(times.map(time => frame(time, { 'request.total': 2 }))))
  t.notOk(line.add([frame(times[3]!)]), 'a frame already held is not added twice')
  const points = line.points(60_000)
  const nulls = points.filter(p => p.frame === null)
  t.equal(nulls.length, 1, 'one null point')
  t.equal(nulls[0]!.time, times[5]! + 1000, 'a tick after the last frame before the outage')
  t.same(line.gaps(60_000), [[times[5], times[6]]], 'the outage is the one gap')
  t.equal(points.find(p => p.time === times[6])!.seconds, 1, 'the first frame after it counts as one interval, not as the whole outage')
})

test('the picker offers labelled figures with units, not bucket counts or sums of seconds', async t => {
  const keys = ['request.total', 'latency.sum', 'latency.0.5ms', 'latency.slow', 'kind.api.request.total', 'kind.api.latency.sum',
    'kind.api.latency.20ms', 'kind.api.connections', 'process.rss', 'orders.placed', 'kind.api.jobs.queued']
  const metrics = catalog(keys, new Set(['process.rss', 'kind.api.connections', 'kind.api.jobs.queued']), [0.0005, 0.001])
  const ids = [...metrics.keys()]
  t.notOk(ids.some(id => id.endsWith('latency.sum') || /latency\.(\d|slow)/.test(id)), 'no latency.sum, no bucket')
  t.match(metrics.get('latency.p99'), { label: 'p99 latency (estimate)', unit: 'ms', group: 'Latency' })
  t.match(metrics.get('kind.api.request.total'), { label: 'api: requests', unit: 'req/s', group: 'Kind api' })
  t.match(metrics.get('process.rss'), { unit: 'bytes', group: 'Process' })
  t.match(metrics.get('orders.placed'), { label: 'orders.placed per second', unit: '/s', group: 'Your stats' })
  t.match(metrics.get('kind.api.jobs.queued'), { label: 'api: jobs.queued', unit: 'count', group: 'Kind api' })
  const point = { time: 0, seconds: 0.5, frame: frame(0, { 'request.total': 4, 'latency.sum': 0.02, 'latency.0.5ms': 2, 'latency.1ms': 2 }) }
  t.equal(metrics.get('request.total')!.value(point), 8, 'a counter is a rate over the seconds the frame covers')
  t.equal(metrics.get('latency.mean')!.value(point), 5, 'mean latency in ms')
  t.equal(metrics.get('latency.p50')!.value(point), 0.5, 'p50 interpolated in the buckets, in ms')
  t.equal(metrics.get('request.total')!.value({ time: 0, seconds: 0, frame: null }), null, 'a gap has no value')
})
