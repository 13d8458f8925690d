import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'

/** Work of the queue each event-loop turn, in ms, before it yields to I/O. */
const TURN_BUDGET_MS = 2

/**
 * Requests that wait their turn: those a connection pipelined behind one still
 * being answered, and the first requests of new connections past a turn's budget.
 * They run here, first in first out, a slice of `TURN_BUDGET_MS` per event-loop
 * turn, so that a few connections with many requests queued, or a burst of new
 * ones, cannot hold up the other clients (1,000 slow readers pipelining scrapes).
 * One queue per process: fairness is between every listener's connections.
 */
class FairQueue {
  #jobs: Array<() => void> = []
  #head = 0
  #scheduled = false

  /** Runs `job` on a later turn, after the jobs queued before it. */
  push (job: () => void): void {
    this.#jobs.push(job)
    if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(this.#drain)
    }
  }

  readonly #drain = (): void => {
    const end = performance.now() + TURN_BUDGET_MS
    try {
      do {
        const job = this.#jobs[this.#head]!
        this.#jobs[this.#head++] = noop
        job()
      } while (this.#head < this.#jobs.length && performance.now() < end)
    } finally {
      // Even when a job threw: the jobs behind it still run.
      this.#next()
    }
  }

  #next (): void {
    if (this.#head === this.#jobs.length) {
      this.#jobs = []
      this.#head = 0
      this.#scheduled = false
      return
    }
    // Compact now and then, so that a long queue does not keep every job it ran.
    if (this.#head > 1024 && this.#head * 2 > this.#jobs.length) {
      this.#jobs = this.#jobs.slice(this.#head)
      this.#head = 0
    }
    setImmediate(this.#drain)
  }
}

function noop (): void {}

const queue = new FairQueue()

/** Requests of one connection that may wait in the queue; a connection that pipelines more is cut off. */
export const MAX_QUEUED_PER_CONNECTION = 256

const queued = new WeakMap<Socket, number>()
/** Connections that have had a request run: keep-alive clients already being served. */
const served = new WeakSet<Socket>()
/** When this event-loop turn began running requests; -1 before its first. */
let turnStart = -1

function endTurn (): void {
  turnStart = -1
}

/**
 * Whether a request that is not pipelined must wait in the queue too: the first
 * request of a new connection, once this turn has spent `TURN_BUDGET_MS` running
 * requests. A burst of new connections (1,000 slow readers connecting at once)
 * then runs a slice a turn, and the keep-alive clients already being served are
 * answered between the slices, not after the whole burst. Marks the connection
 * served when it may run now.
 */
export function mustWait (socket: Socket): boolean {
  if (served.has(socket)) return false
  const now = performance.now()
  if (turnStart === -1) {
    turnStart = now
    setImmediate(endTurn)
  } else if (now - turnStart > TURN_BUDGET_MS) {
    return true
  }
  served.add(socket)
  return false
}

/**
 * Runs `job`, a request `socket` pipelined behind another, on a later turn; false
 * (and nothing queued) when the socket has `MAX_QUEUED_PER_CONNECTION` waiting
 * already. Node stops reading a socket only for answers it has buffered, and
 * these are not answered yet: without the bound a client could queue requests
 * without end. A job whose socket was destroyed meanwhile does not run.
 */
export function deferPipelined (socket: Socket, job: () => void): boolean {
  const count = (queued.get(socket) ?? 0) + 1
  if (count > MAX_QUEUED_PER_CONNECTION) return false
  queued.set(socket, count)
  queue.push(() => {
    queued.set(socket, queued.get(socket)! - 1)
    if (socket.destroyed) return
    served.add(socket)
    job()
  })
  return true
}
