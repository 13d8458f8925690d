// The messages between the primary and its workers over the cluster's IPC channel.

/** A worker as the primary sees it: `starting` until its setup resolved, `dead` from its exit until its replacement is up. */
export type WorkerState = 'starting' | 'up' | 'dead'

/** What a gather answers for one worker. */
export interface Gathered<T = unknown> {
  /** The worker's place, 0 to workers - 1: a restarted worker takes the place of the one that died. */
  slot: number
  /** The pid of the process in that place: the dead one's until its replacement is up. */
  pid: number
  state: WorkerState
  /** Milliseconds since the epoch when the worker took this state. */
  since: number
  /** The worker's answer; undefined for a worker that is not up or had no answer for the topic. */
  value?: T
  /** True when the worker did not answer in time and `value` is its previous answer. */
  stale?: boolean
}

/** Every message of ours carries this key, so that other users of the IPC channel (prom-client's own cluster support) are left alone. */
export const TAG = 'kindsCluster'

export type WorkerMessage =
  | { [TAG]: 'up' }
  | { [TAG]: 'gather', id: number, topic: string }
  | { [TAG]: 'answer', id: number, value?: unknown }

export type PrimaryMessage =
  | { [TAG]: 'stop' }
  | { [TAG]: 'ask', id: number, topic: string }
  | { [TAG]: 'gathered', id: number, results: Gathered[] }

export function isOurs (message: unknown): message is Record<typeof TAG, string> & Record<string, unknown> {
  return typeof message === 'object' && message !== null && typeof (message as Record<string, unknown>)[TAG] === 'string'
}

/** The environment variable that tells a worker its slot, and that it was started by runWorkers. */
export const SLOT_ENV = 'KINDS_WORKER_SLOT'
