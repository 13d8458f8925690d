import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2'
import { errorCodes, type FastifyReply, type FastifyRequest } from 'fastify'
import { kRequestSignal } from './fastify-internals.js'

type RawRequest = IncomingMessage | Http2ServerRequest
type RawResponse = ServerResponse | Http2ServerResponse

/** Answers a request whose body did not arrive in time (the listener's 408). */
export type LateBody = (req: RawRequest, res: RawResponse) => void

interface BodyWatch {
  res: RawResponse
  /** performance.now() past which the body is late. */
  deadline: number
  late: LateBody
}

/** The shortest and longest sweep period, in milliseconds. */
const MIN_TICK = 10
const MAX_TICK = 1000

/** A quarter of a time limit, between 10 ms and a second: how late a sweep may notice it ran out. */
export function tickFor (limit: number): number {
  return Math.max(MIN_TICK, Math.min(MAX_TICK, Math.floor(limit / 4)))
}

/**
 * The reply property that holds a reply's place in its InFlight, or -1: made by
 * `decorateReply` (see InFlight.decorate), so every reply of the instance has it
 * from its constructor and keeps one shape.
 */
export const kInFlightSlot = Symbol('kinds.inFlightSlot')

type SlottedReply = FastifyReply & { [kInFlightSlot]: number }

/**
 * The requests in flight on one kind instance and the handler timeout that
 * applies to them. Entering and leaving is a store into an array at a free
 * place the reply remembers: no timer, no listener, no closure and no hashing
 * per request (a Set's add and delete, with its rehash and shrink, cost more);
 * the sweep finds the late ones. The array grows to the most requests ever in
 * flight at once and does not shrink.
 */
export class InFlight {
  readonly handlerTimeout: number
  readonly #replies: Array<SlottedReply | undefined> = []
  readonly #free: number[] = []
  #size = 0
  #onIdle: (() => void) | undefined

  constructor (handlerTimeout: number) {
    this.handlerTimeout = handlerTimeout
  }

  /** Gives every reply of `instance` its place property: call once, before the instance is ready. */
  static decorate (instance: { decorateReply: (name: symbol, value: number) => unknown }): void {
    instance.decorateReply(kInFlightSlot, -1)
  }

  get size (): number {
    return this.#size
  }

  enter (reply: FastifyReply): void {
    const slotted = reply as SlottedReply
    if (slotted[kInFlightSlot] >= 0) return
    const slot = this.#free.pop() ?? this.#replies.length
    this.#replies[slot] = slotted
    slotted[kInFlightSlot] = slot
    this.#size++
  }

  leave (reply: FastifyReply): void {
    const slotted = reply as SlottedReply
    const slot = slotted[kInFlightSlot]
    if (slot < 0 || this.#replies[slot] !== slotted) return
    this.#replies[slot] = undefined
    this.#free.push(slot)
    slotted[kInFlightSlot] = -1
    if (--this.#size === 0 && this.#onIdle !== undefined) this.#onIdle()
  }

  /** Called once no request is in flight any more (for a retired generation). */
  whenIdle (onIdle: () => void): void {
    this.#onIdle = onIdle
  }

  /** Drops what is done (answered, hijacked, or its client gone) and answers 503 to what ran past handlerTimeout. */
  sweep (bodies: ReadonlyMap<RawRequest, BodyWatch>): void {
    const limit = this.handlerTimeout
    const replies = this.#replies
    for (let slot = 0; slot < replies.length; slot++) {
      const reply = replies[slot]
      if (reply === undefined) continue
      if (reply.sent || reply.raw.destroyed) {
        this.leave(reply)
        continue
      }
      // A body still arriving is the body deadline's: 408, never 503.
      if (reply.elapsedTime < limit || bodies.has(reply.request.raw) || ownTimeout(reply.request)) continue
      timeOut(reply.request, reply, limit)
      // Answered or cut, it leaves when done; one a signal listener left unanswered is not timed out twice.
      if (!reply.sent && !reply.raw.destroyed) this.leave(reply)
    }
  }
}

/** A route with a handlerTimeout of its own has Fastify's timer for it. */
function ownTimeout (request: FastifyRequest): boolean {
  return (request.routeOptions.handlerTimeout ?? 0) > 0
}

/** What Fastify's handlerTimeout does when its timer fires: abort `request.signal` with the error, then answer 503 (or cut a response already started). */
function timeOut (request: FastifyRequest, reply: FastifyReply, limit: number): void {
  const err = new errorCodes.FST_ERR_HANDLER_TIMEOUT(limit, request.routeOptions.url ?? request.url)
  if (kRequestSignal !== undefined) {
    const holder = request as unknown as Record<symbol, AbortController | undefined>
    const controller = holder[kRequestSignal] ?? (holder[kRequestSignal] = new AbortController())
    if (!controller.signal.aborted) controller.abort(err)
  }
  // A signal listener may have answered itself.
  if (reply.sent) return
  if (reply.raw.headersSent) {
    reply.raw.destroy(err)
    return
  }
  reply.send(err)
}

/**
 * The time limits on requests of every kind of a router, checked by one timer:
 * a body that has not arrived in time (408) and a handler that takes longer
 * than handlerTimeout (503). The timer runs every quarter of the shortest limit
 * (between 10 ms and a second) while some kind is built, and never keeps the
 * process alive.
 */
export class Deadlines {
  readonly #kinds = new Set<InFlight>()
  readonly #bodies = new Map<RawRequest, BodyWatch>()
  /** Shared by every watched body: `this` is the request whose body ended. */
  readonly #bodyEnded: (this: RawRequest) => void
  #timer: NodeJS.Timeout | undefined
  #tick = 0

  constructor () {
    const bodies = this.#bodies
    this.#bodyEnded = function bodyEnded (this: RawRequest) {
      bodies.delete(this)
    }
  }

  /** Starts watching a kind instance's requests. */
  watch (inFlight: InFlight, requestTimeout: number): void {
    this.#kinds.add(inFlight)
    this.#retick(Math.min(inFlight.handlerTimeout, requestTimeout))
  }

  /** Stops watching a closed instance; the timer stops with the last one. */
  unwatch (inFlight: InFlight): void {
    this.#kinds.delete(inFlight)
    if (this.#kinds.size === 0) this.stop()
  }

  /** A request whose body is still arriving: `late` answers it if the body is not complete within `ms`. */
  body (req: RawRequest, res: RawResponse, ms: number, late: LateBody): void {
    this.#bodies.set(req, { res, deadline: performance.now() + ms, late })
    req.on('end', this.#bodyEnded)
    this.#retick(ms)
  }

  /** Bodies watched now (for tests). */
  get bodies (): number {
    return this.#bodies.size
  }

  stop (): void {
    clearInterval(this.#timer)
    this.#timer = undefined
    this.#tick = 0
  }

  /** A limit shorter than the sweep period allows: the sweep runs more often from now on. */
  #retick (limit: number): void {
    const tick = tickFor(limit)
    if (this.#timer !== undefined && tick >= this.#tick) return
    clearInterval(this.#timer)
    this.#tick = tick
    this.#timer = setInterval(() => this.#sweep(), tick).unref()
  }

  #sweep (): void {
    const now = performance.now()
    // Bodies first: of a late body and a late handler, the client hears 408.
    for (const [req, watch] of this.#bodies) {
      const res = watch.res
      if (req.complete || res.headersSent || res.writableEnded || res.destroyed) {
        this.#bodies.delete(req)
        continue
      }
      if (now < watch.deadline) continue
      this.#bodies.delete(req)
      watch.late(req, res)
    }
    for (const inFlight of this.#kinds) inFlight.sweep(this.#bodies)
  }
}
