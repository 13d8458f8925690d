import cluster from 'node:cluster'
import { isOurs, SLOT_ENV, TAG, type Gathered, type PrimaryMessage, type WorkerMessage } from './cluster-wire.js'

/** What a worker started by `runWorkers` can ask of the others, through the primary. */
export interface WorkerRelay {
  /** This worker's place, 0 to workers - 1. */
  readonly slot: number
  /**
   * Asks every worker (this one too) for its answer to `topic` and resolves with
   * one entry a place, dead workers included, once all answered or the primary's
   * `gatherTimeout` passed.
   */
  gather: <T = unknown>(topic: string) => Promise<Array<Gathered<T>>>
  /** Answers `topic` when another worker gathers it; returns the function that stops answering. */
  answer: (topic: string, respond: () => unknown) => () => void
}

/** A worker waits this much longer than the primary's own timeout before it gives up on an answer. */
const MARGIN_MS = 1000

let relay: WorkerRelay | undefined
let timeout = 0

/** The relay of this worker; undefined in a process that is not a worker started by `runWorkers` (nothing is set up then). */
export function workerRelay (): WorkerRelay | undefined {
  if (relay !== undefined || !cluster.isWorker || process.env[SLOT_ENV] === undefined || process.send === undefined) return relay
  relay = createRelay(Number(process.env[SLOT_ENV]))
  return relay
}

/** Called by runWorkers in a worker: the timeout the primary gathers with. */
export function setGatherTimeout (ms: number): void {
  timeout = ms
}

function createRelay (slot: number): WorkerRelay {
  const responders = new Map<string, () => unknown>()
  const pending = new Map<number, (results: Gathered[]) => void>()
  let nextId = 0
  const send = (message: WorkerMessage): void => {
    // A worker whose primary is gone is about to exit (cluster workers exit on disconnect).
    if (process.connected) process.send!(message)
  }

  process.on('message', (message: unknown) => {
    if (!isOurs(message)) return
    const m = message as PrimaryMessage
    if (m[TAG] === 'ask') {
      const respond = responders.get(m.topic)
      if (respond === undefined) {
        send({ [TAG]: 'answer', id: m.id })
        return
      }
      Promise.resolve()
        .then(respond)
        .then(value => send({ [TAG]: 'answer', id: m.id, value }), () => send({ [TAG]: 'answer', id: m.id }))
    } else if (m[TAG] === 'gathered') {
      const done = pending.get(m.id)
      pending.delete(m.id)
      done?.(m.results)
    }
  })

  return {
    slot,
    gather<T> (topic: string) {
      const id = nextId++
      return new Promise<Array<Gathered<T>>>(resolve => {
        const timer = setTimeout(() => {
          pending.delete(id)
          resolve([])
        }, (timeout || 1000) + MARGIN_MS)
        pending.set(id, results => {
          clearTimeout(timer)
          resolve(results as Array<Gathered<T>>)
        })
        send({ [TAG]: 'gather', id, topic })
      })
    },
    answer (topic, respond) {
      responders.set(topic, respond)
      return () => {
        if (responders.get(topic) === respond) responders.delete(topic)
      }
    }
  }
}
