import type { Gathered, WorkerRelay } from '@kinds/kind-router/cluster'
import type { StatsSample } from './feed.js'
import type { WorkerInfo } from './wire.js'

/** What each worker answers to a stats gather: its own totals and its row. */
export interface WorkerSample {
  stats: Record<string, number>
  gauges: string[]
  worker: WorkerInfo
}

export const STATS_TOPIC = '@kinds/snippets-ui:stats'
export const METRICS_TOPIC = '@kinds/snippets-ui:metrics'

/** Gauges of one process that mean nothing summed: the cluster shows the largest. */
const LARGEST = /^process\.(eventloop\.|uptime$)/

/** Every worker's stats gathered and summed, with a row for each worker, dead ones included. */
export function clusterStats (relay: WorkerRelay): () => Promise<StatsSample> {
  return async () => mergeSamples(await relay.gather<WorkerSample>(STATS_TOPIC))
}

/** Counters and gauges summed (the lag and uptime: their largest), and the rows in the workers' order. */
export function mergeSamples (gathered: Array<Gathered<WorkerSample>>): StatsSample {
  const stats: Record<string, number> = {}
  const gauges = new Set<string>()
  const workers: WorkerInfo[] = []
  for (const g of gathered) {
    if (g.state === 'starting') continue
    const sample = g.value
    if (g.state === 'dead' || sample === undefined) {
      workers.push(deadRow(g))
      continue
    }
    for (const key of sample.gauges) gauges.add(key)
    for (const [key, value] of Object.entries(sample.stats)) {
      const before = stats[key]
      stats[key] = before === undefined ? value : LARGEST.test(key) ? Math.max(before, value) : before + value
    }
    // A worker that did not answer in time is busy: its previous figures stand in for it.
    workers.push({ ...sample.worker, worker: g.slot, status: g.stale === true ? 'busy' : sample.worker.status })
  }
  const sorted: Record<string, number> = {}
  for (const key of Object.keys(stats).sort()) sorted[key] = stats[key]!
  return { stats: sorted, gauges: [...gauges].sort(), workers }
}

/** A worker without figures: dead, or up but without an answer yet (busy). */
function deadRow (g: Gathered): WorkerInfo {
  const status = g.state === 'dead' ? 'dead' : 'busy'
  return { pid: g.pid, thread: 0, worker: g.slot, cpu: { user: 0, system: 0 }, rss: 0, heap: 0, eventLoopDelay: { mean: 0, p99: 0 }, status, uptime: 0 }
}
