// `@kinds/kind-router/cluster`: the app in N worker processes that share its listeners.
import cluster from 'node:cluster'
import { availableParallelism } from 'node:os'
import { KINDS_ERR_WORKERS_OPTION } from './errors.js'
import { Supervisor } from './cluster-primary.js'
import { setGatherTimeout, workerRelay } from './cluster-worker.js'
import { isOurs, TAG } from './cluster-wire.js'

export interface WorkersOptions {
  /** How many worker processes. Default: `os.availableParallelism()`, one per core. */
  workers?: number
  /** Milliseconds before a dead worker is started again; doubles at each death in a row. Default: 100. */
  restartDelay?: number
  /** The longest wait before a restart. Default: 10000. */
  maxRestartDelay?: number
  /** Milliseconds the workers have to stop after SIGTERM or SIGINT before they are killed and the primary exits 1. Default: 30000. */
  timeout?: number
  /** Milliseconds the primary waits for the workers' answers to a gather. Default: 1000. */
  gatherTimeout?: number
  /** Where the primary logs restarts and stops. Default: console. */
  log?: Pick<Console, 'info' | 'warn' | 'error'>
}

/** The app's setup: builds and listens; called in every worker, never in the primary. */
export type WorkerSetup = () => unknown

/**
 * In the primary: forks the workers and resolves once they are all up (it then
 * restarts those that die, and stops them all on SIGTERM or SIGINT). In a
 * worker: runs `setup`, and resolves when it has.
 */
export async function runWorkers (setup: WorkerSetup, options: WorkersOptions = {}): Promise<void> {
  if (typeof setup !== 'function') throw new KINDS_ERR_WORKERS_OPTION('setup', 'must be a function')
  const checked = checkOptions(options)
  if (cluster.isPrimary) {
    await new Supervisor(checked).start()
    return
  }
  const relay = workerRelay()
  if (relay === undefined) {
    // A worker of someone else's cluster: just the app.
    await setup()
    return
  }
  setGatherTimeout(checked.gatherTimeout)
  stopOnRequest()
  await setup()
  process.send!({ [TAG]: 'up' })
}

/** The primary says stop: this worker takes a SIGTERM, which its closeOnSignals drains on. */
function stopOnRequest (): void {
  let signalled = false
  // A Ctrl-C in a terminal reaches every process of the group: the primary stops the workers itself.
  const onInterrupt = (): void => { signalled = true }
  process.on('SIGINT', onInterrupt)
  let stopping = false
  process.on('message', (m: unknown) => {
    if (!isOurs(m) || m[TAG] !== 'stop' || stopping) return
    stopping = true
    // Signalled already and a handler of the app's took it: that one is draining.
    const handled = process.listeners('SIGINT').some(l => l !== onInterrupt)
    if (!signalled || !handled) process.kill(process.pid, 'SIGTERM')
  })
}

function checkOptions (options: WorkersOptions): ConstructorParameters<typeof Supervisor>[0] {
  if (typeof options !== 'object' || options === null) throw new KINDS_ERR_WORKERS_OPTION('options', 'must be an object')
  const count = (name: keyof WorkersOptions, value: unknown, fallback: number, min: number): number => {
    if (value === undefined) return fallback
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new KINDS_ERR_WORKERS_OPTION(name, `must be a whole number of at least ${min}, got ${String(value)}`)
    return value
  }
  const log = options.log ?? console
  if (typeof log !== 'object' || log === null || ['info', 'warn', 'error'].some(m => typeof (log as unknown as Record<string, unknown>)[m] !== 'function')) {
    throw new KINDS_ERR_WORKERS_OPTION('log', 'must have info, warn and error methods')
  }
  const restartDelay = count('restartDelay', options.restartDelay, 100, 0)
  return {
    workers: count('workers', options.workers, availableParallelism(), 1),
    restartDelay,
    maxRestartDelay: count('maxRestartDelay', options.maxRestartDelay, Math.max(10_000, restartDelay), restartDelay),
    timeout: count('timeout', options.timeout, 30_000, 1),
    gatherTimeout: count('gatherTimeout', options.gatherTimeout, 1000, 1),
    log
  }
}

export { workerRelay, type WorkerRelay } from './cluster-worker.js'
export type { Gathered, WorkerState } from './cluster-wire.js'
