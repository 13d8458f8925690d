// How webmgmt sums the workers' stats: counters and gauges added, the lag and uptime the largest,
// a row a worker with dead and busy ones, a starting worker left out.
import { test } from 'tap'
import { mergeSamples, type WorkerSample } from '../src/cluster-stats.ts'
import type { Gathered } from '@kinds/kind-router/cluster'
import type { WorkerInfo } from '../src/wire.ts'

const row = (pid: number, over: Partial<WorkerInfo> = {}): WorkerInfo => ({
  pid, thread: 0, cpu: { user: 10, system: 1 }, rss: 100, heap: 50, eventLoopDelay: { mean: 1, p99: 2 }, status: 'ok', uptime: 60, ...over
})
const sample = (pid: number, stats: Record<string, number>, over: Partial<WorkerInfo> = {}): WorkerSample => ({ stats, gauges: ['process.rss', 'process.uptime', 'process.eventloop.p99'], worker: row(pid, over) })

test('the sum over workers adds counters and gauges, and takes the largest event-loop lag and uptime', async t => {
  const gathered: Array<Gathered<WorkerSample>> = [
    { slot: 0, pid: 11, state: 'up', since: 0, value: sample(11, { 'request.total': 3, 'kind.a.latency.1ms': 2, 'process.rss': 100, 'process.uptime': 60, 'process.eventloop.p99': 5 }) },
    { slot: 1, pid: 12, state: 'up', since: 0, value: sample(12, { 'request.total': 4, 'kind.a.latency.1ms': 1, 'process.rss': 200, 'process.uptime': 30, 'process.eventloop.p99': 9 }) }
  ]
  const merged = mergeSamples(gathered)
  t.same(merged.stats, { 'kind.a.latency.1ms': 3, 'process.eventloop.p99': 9, 'process.rss': 300, 'process.uptime': 60, 'request.total': 7 })
  t.same(merged.gauges, ['process.eventloop.p99', 'process.rss', 'process.uptime'])
  t.same(merged.workers.map(w => [w.pid, w.worker, w.status]), [[11, 0, 'ok'], [12, 1, 'ok']])
})

test('a dead worker has a dead row with its pid and adds nothing; a stale answer is busy; a starting one is left out', async t => {
  const merged = mergeSamples([
    { slot: 0, pid: 11, state: 'dead', since: 0 },
    { slot: 1, pid: 12, state: 'up', since: 0, stale: true, value: sample(12, { 'request.total': 4 }) },
    { slot: 2, pid: 13, state: 'starting', since: 0 },
    { slot: 3, pid: 14, state: 'up', since: 0 }
  ])
  t.same(merged.stats, { 'request.total': 4 })
  t.same(merged.workers.map(w => [w.pid, w.worker, w.status]), [[11, 0, 'dead'], [12, 1, 'busy'], [14, 3, 'busy']])
  t.equal(merged.workers[0]!.rss, 0, 'a dead row has no figures')
})
