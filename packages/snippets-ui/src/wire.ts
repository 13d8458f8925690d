// What /stats sends and answers: one contract for the server and the page's client,
// which imports it as types only (no Node.js code may come in here).

/** A row of the instances table: this process (or thread) as of the last tick. */
export interface WorkerInfo {
  pid: number
  thread: number
  /** Share of one CPU spent in user and system code since the previous tick, in percent. */
  cpu: { user: number, system: number }
  /** Resident set size in bytes. */
  rss: number
  /** Heap in use, in bytes. */
  heap: number
  /** Event-loop delay over the last tick, in milliseconds: mean and 99th percentile. */
  eventLoopDelay: { mean: number, p99: number }
  /** 'ok', or 'busy' when the loop was held up for more than 100 ms. */
  status: 'ok' | 'busy'
  uptime: number
}

/** One message of the /stats WebSocket: deltas of counters, values of gauges, the instances. */
export interface StatsFrame {
  /** Milliseconds since the epoch, when the tick was taken. */
  time: number
  stats: Record<string, number>
  workers: WorkerInfo[]
}

/** What /stats?feed answers to pollers: absolute values, which keys are gauges, the instances. */
export interface StatsPoll {
  time: number
  stats: Record<string, number>
  gauges: string[]
  workers: WorkerInfo[]
}
