import cluster, { type Worker } from 'node:cluster'
import { isOurs, SLOT_ENV, TAG, type Gathered, type PrimaryMessage, type WorkerMessage, type WorkerState } from './cluster-wire.js'

export interface SupervisorOptions {
  workers: number
  restartDelay: number
  maxRestartDelay: number
  timeout: number
  gatherTimeout: number
  log: Pick<Console, 'info' | 'warn' | 'error'>
}

/** A worker that lived this long before it died is restarted after `restartDelay` again, not after a longer backoff. */
const HEALTHY_MS = 10_000

interface Slot {
  index: number
  worker: Worker | undefined
  pid: number
  state: WorkerState
  since: number
  upAt: number
  /** Deaths in a row without a healthy run between them: the backoff exponent. */
  deaths: number
  restart: NodeJS.Timeout | undefined
  /** The last answer of this worker to each topic, served (stale) when it does not answer in time. */
  answers: Map<string, unknown>
}

interface Gathering {
  topic: string
  from: Worker
  id: number
  waiting: Map<number, Slot>
  answers: Map<number, unknown>
  timer: NodeJS.Timeout
}

/**
 * The primary: forks the workers, restarts one that dies (with a bounded
 * backoff), relays gathers between them, and on SIGTERM or SIGINT stops them
 * all and exits.
 */
export class Supervisor {
  readonly #options: SupervisorOptions
  readonly #slots: Slot[]
  readonly #gatherings = new Map<number, Gathering>()
  #nextAsk = 0
  #stopping = false
  #firstUp: (() => void) | undefined

  constructor (options: SupervisorOptions) {
    this.#options = options
    this.#slots = Array.from({ length: options.workers }, (_, index) => ({
      index, worker: undefined, pid: 0, state: 'starting' as WorkerState, since: Date.now(), upAt: 0, deaths: 0, restart: undefined, answers: new Map()
    }))
  }

  /**
   * Starts the first worker alone, so that it replaces a stale Unix socket file
   * once; then the others together. Resolves once all are up.
   */
  async start (): Promise<void> {
    process.once('SIGTERM', () => this.stop('SIGTERM'))
    process.once('SIGINT', () => this.stop('SIGINT'))
    await this.#startFirst()
    await Promise.all(this.#slots.slice(1).map(slot => this.#upOnce(slot)))
  }

  #startFirst (): Promise<void> {
    const slot = this.#slots[0]!
    return new Promise(resolve => {
      this.#firstUp = resolve
      this.#fork(slot)
    })
  }

  #upOnce (slot: Slot): Promise<void> {
    return new Promise(resolve => {
      const worker = this.#fork(slot)
      const onUp = (m: unknown): void => {
        if (isOurs(m) && m[TAG] === 'up') {
          worker.off('message', onUp)
          resolve()
        }
      }
      worker.on('message', onUp)
      // A worker that dies before it is up is restarted; start() does not wait for it.
      worker.once('exit', () => resolve())
    })
  }

  #fork (slot: Slot): Worker {
    const worker = cluster.fork({ [SLOT_ENV]: String(slot.index) })
    slot.worker = worker
    if (slot.state !== 'dead') {
      slot.pid = worker.process.pid ?? 0
      slot.state = 'starting'
      slot.since = Date.now()
    }
    worker.on('message', (m: unknown) => {
      if (isOurs(m)) this.#onMessage(slot, worker, m as WorkerMessage)
    })
    worker.once('exit', (code, signal) => this.#onExit(slot, worker, code, signal))
    return worker
  }

  #onMessage (slot: Slot, worker: Worker, m: WorkerMessage): void {
    if (m[TAG] === 'up') {
      if (slot.worker !== worker) return
      slot.pid = worker.process.pid ?? 0
      slot.state = 'up'
      slot.since = slot.upAt = Date.now()
      if (slot.index === 0 && this.#firstUp !== undefined) {
        this.#firstUp()
        this.#firstUp = undefined
      }
      if (this.#stopping) this.#send(worker, { [TAG]: 'stop' })
    } else if (m[TAG] === 'gather') {
      this.#gather(worker, m.id, m.topic)
    } else if (m[TAG] === 'answer') {
      const g = this.#gatherings.get(m.id)
      if (g === undefined || !g.waiting.has(slot.index)) return
      g.waiting.delete(slot.index)
      if (m.value !== undefined) {
        g.answers.set(slot.index, m.value)
        slot.answers.set(g.topic, m.value)
      }
      if (g.waiting.size === 0) this.#finish(m.id)
    }
  }

  #gather (from: Worker, id: number, topic: string): void {
    const ask = this.#nextAsk++
    const waiting = new Map<number, Slot>()
    for (const slot of this.#slots) {
      if (slot.state === 'up' && slot.worker?.isConnected() === true) {
        waiting.set(slot.index, slot)
        this.#send(slot.worker, { [TAG]: 'ask', id: ask, topic })
      }
    }
    const timer = setTimeout(() => this.#finish(ask), this.#options.gatherTimeout)
    this.#gatherings.set(ask, { topic, from, id, waiting, answers: new Map(), timer })
    if (waiting.size === 0) this.#finish(ask)
  }

  #finish (ask: number): void {
    const g = this.#gatherings.get(ask)
    if (g === undefined) return
    this.#gatherings.delete(ask)
    clearTimeout(g.timer)
    const results: Gathered[] = this.#slots.map(slot => {
      const entry: Gathered = { slot: slot.index, pid: slot.pid, state: slot.state, since: slot.since }
      if (slot.state !== 'up') return entry
      if (g.answers.has(slot.index)) entry.value = g.answers.get(slot.index)
      else if (g.waiting.has(slot.index) && slot.answers.has(g.topic)) {
        entry.value = slot.answers.get(g.topic)
        entry.stale = true
      }
      return entry
    })
    if (g.from.isConnected()) this.#send(g.from, { [TAG]: 'gathered', id: g.id, results })
  }

  #onExit (slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (slot.worker !== worker) return
    slot.worker = undefined
    slot.answers.clear()
    for (const [ask, g] of this.#gatherings) {
      if (g.waiting.delete(slot.index) && g.waiting.size === 0) this.#finish(ask)
    }
    if (this.#stopping) {
      slot.state = 'dead'
      this.#stopped()
      return
    }
    const wasUp = slot.state === 'up'
    if (!wasUp && slot.upAt === 0 && slot.index === 0 && this.#firstUp !== undefined) {
      // The very first worker could not start: its setup is broken, restarting it would only repeat that.
      this.#options.log.error(`worker ${slot.index} (pid ${worker.process.pid}) exited before it was up (code ${code}, signal ${signal}): stopping`)
      process.exitCode = 1
      this.#firstUp = undefined
      this.stop('setup')
      return
    }
    if (wasUp && Date.now() - slot.upAt >= HEALTHY_MS) slot.deaths = 0
    const delay = Math.min(this.#options.restartDelay * 2 ** slot.deaths, this.#options.maxRestartDelay)
    slot.deaths++
    if (wasUp || slot.state === 'starting') {
      slot.pid = worker.process.pid ?? slot.pid
      slot.state = 'dead'
      slot.since = Date.now()
    }
    this.#options.log.warn(`worker ${slot.index} (pid ${worker.process.pid}) died (code ${code}, signal ${signal}): restarting it in ${delay} ms`)
    slot.restart = setTimeout(() => {
      slot.restart = undefined
      if (!this.#stopping) this.#fork(slot)
    }, delay)
  }

  #stopTimer: NodeJS.Timeout | undefined

  /** Stops every worker (each drains and closes on its own SIGTERM handler), then exits: 0, or 1 past `timeout`. */
  stop (reason: string): void {
    if (this.#stopping) return
    this.#stopping = true
    this.#options.log.info(`stopping the workers (${reason})`)
    for (const slot of this.#slots) {
      clearTimeout(slot.restart)
      slot.restart = undefined
      if (slot.worker !== undefined) this.#send(slot.worker, { [TAG]: 'stop' })
    }
    this.#stopTimer = setTimeout(() => {
      this.#options.log.error(`workers still running after ${this.#options.timeout} ms: killing them`)
      for (const slot of this.#slots) slot.worker?.process.kill('SIGKILL')
      process.exit(1)
    }, this.#options.timeout)
    this.#stopped()
  }

  #stopped (): void {
    if (!this.#stopping || this.#slots.some(s => s.worker !== undefined)) return
    clearTimeout(this.#stopTimer)
    this.#options.log.info('all workers stopped')
    process.exit(process.exitCode ?? 0)
  }

  #send (worker: Worker, message: PrimaryMessage): void {
    if (worker.isConnected()) worker.send(message)
  }
}
