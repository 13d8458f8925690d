import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'

/** Work of the queue each event-loop turn, in ms, before it yields to I/O. */
const TURN_BUDGET_MS = 2

/**
 * Requests a connection pipelined behind one still being answered. They wait their
 * turn here, first in first out, and run a slice of `TURN_BUDGET_MS` per event-loop
 * turn, so that a few connections with many requests queued cannot hold up the first
 * request of every other connection (1,000 slow readers pipelining scrapes).
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

  get length (): number {
    return this.#jobs.length - this.#head
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
    if (!socket.destroyed) job()
  })
  return true
}
