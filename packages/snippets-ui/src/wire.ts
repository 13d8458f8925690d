// What /stats sends and answers: one contract for the server and the page's client,
// which imports it as types only (no Node.js code may come in here).

/**
 * A row of the instances table: a process (or thread) as of the last tick. The
 * page keys rows by `pid` (and `thread`): a row whose process stops appearing in
 * the frames shows as dead, one that appears is added.
 */
export interface WorkerInfo {
  pid: number
  thread: number
  /** The worker's place (0, 1…) when the app runs in several worker processes; a restarted worker takes the place of the dead one. */
  worker?: number
  /** Share of one CPU spent in user and system code since the previous tick, in percent. */
  cpu: { user: number, system: number }
  /** Resident set size in bytes. */
  rss: number
  /** Heap in use, in bytes. */
  heap: number
  /** Event-loop lag over the last tick, in milliseconds (the sampling period taken off): mean and 99th percentile. */
  eventLoopDelay: { mean: number, p99: number }
  /**
   * 'ok'; 'busy' when the loop was held up for more than 100 ms; 'dead' for a
   * process that a supervisor knows to have stopped reporting.
   */
  status: 'ok' | 'busy' | 'dead'
  /** Seconds since the process started. */
  uptime: number
}

/**
 * One message of the /stats WebSocket: deltas of counters, values of gauges, the
 * instances. A latency bucket key whose delta is 0 is left out (it is 0).
 */
export interface StatsFrame {
  /** Milliseconds since the epoch, when the tick was taken. */
  time: number
  stats: Record<string, number>
  workers: WorkerInfo[]
}

/**
 * The first message of the /stats WebSocket: what the page needs to draw, and
 * the frames of the last 15 minutes, oldest first, so charts open full. A second
 * the server did not tick (it was stopped or frozen) has no frame.
 */
export interface StatsHello {
  /** Milliseconds between two ticks. */
  interval: number
  /** Upper bounds of the latency buckets, in seconds. */
  latencyBuckets: number[]
  gauges: string[]
  history: StatsFrame[]
}

/** What /stats?feed answers to pollers: absolute values, which keys are gauges, the instances. */
export interface StatsPoll {
  interval: number
  latencyBuckets: number[]
  time: number
  stats: Record<string, number>
  gauges: string[]
  workers: WorkerInfo[]
}
