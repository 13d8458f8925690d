import { createServer } from 'node:http'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import endpointTable from '@kinds/endpoint-table'
import type { ResolvedConfig } from './config.js'
import { installAuth } from './auth.js'
import { installOriginCheck } from './origin.js'
import { InFlight, type Deadlines } from './deadlines.js'
import { routeConfig } from './fastify-internals.js'

/** Route of a request that no route of the kind matched (the not-found handler answered). */
export const UNMATCHED_ROUTE = '(unmatched)'

/** A completed request as the observers see it; a fresh object per request. */
export interface CompletedRequest {
  kind: string
  method: string
  /** The endpoint path from the table, a plugin route's pattern, or `UNMATCHED_ROUTE`: never the raw URL. */
  route: string
  status: number
  seconds: number
  /** Body bytes the kind read: the buffered body's length, else its content-length once parsed, else 0. */
  bytesIn: number
  /** Body bytes of the answer by its content-length (0 for HEAD and for a streamed body). */
  bytesOut: number
}

/** Told of every completed request of every kind (snippets-ui counts them). */
export type RequestObserver = (request: CompletedRequest) => void

/**
 * Where a kind's requests enter and leave: the in-flight list the handler
 * timeout sweep reads, one line per request (kind from the child logger,
 * method, path, status and time) when info is on, then the observers if any.
 */
class RequestLog extends LogController {
  readonly #kind: string
  readonly #observers: ReadonlySet<RequestObserver>
  readonly #inFlight: InFlight

  constructor (kind: string, observers: ReadonlySet<RequestObserver>, inFlight: InFlight) {
    super()
    this.#kind = kind
    this.#observers = observers
    this.#inFlight = inFlight
  }

  override incomingRequest (_request: FastifyRequest, reply: FastifyReply): void {
    this.#inFlight.enter(reply)
  }

  override requestCompleted (err: FastifyError | null, request: FastifyRequest, reply: FastifyReply): void {
    this.#inFlight.leave(reply)
    const ms = reply.elapsedTime
    // A client's fault (408, 413...) is one line at info; a stack only for the server's own failures.
    if (err != null && reply.statusCode >= 500) reply.log.error({ ...line(request, reply, ms), err }, 'request failed')
    else if (infoEnabled(reply.log)) {
      if (err != null) reply.log.info({ ...line(request, reply, ms), err: { code: err.code, message: err.message } }, 'request')
      else reply.log.info(line(request, reply, ms), 'request')
    }
    if (this.#observers.size === 0) return
    const route = routeConfig(request)
    const done: CompletedRequest = {
      kind: this.#kind,
      method: request.method,
      route: route?.endpoint ?? route?.url ?? UNMATCHED_ROUTE,
      status: reply.statusCode,
      seconds: ms / 1000,
      bytesIn: bytesIn(request),
      bytesOut: request.method === 'HEAD' ? 0 : Number(reply.getHeader('content-length')) || 0
    }
    for (const observe of this.#observers) observe(done)
  }
}

function line (request: FastifyRequest, reply: FastifyReply, ms: number): Record<string, unknown> {
  return { method: request.method, path: request.url, status: reply.statusCode, ms: Math.round(ms * 100) / 100 }
}

/** Whether an info line would be written: a logger without the check (not pino) is asked anyway. */
function infoEnabled (log: FastifyBaseLogger): boolean {
  const check = (log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled
  return check === undefined || check.call(log, 'info')
}

function bytesIn (request: FastifyRequest): number {
  const body = request.body
  if (body === undefined || body === null) return 0
  if (Buffer.isBuffer(body)) return body.length
  return Number(request.headers['content-length']) || 0
}

/** A kind's built instance and its requests in flight. */
export interface Built {
  instance: FastifyInstance
  inFlight: InFlight
}

/**
 * The Fastify instance of a kind, built from its merged config. It never listens:
 * the router's listeners hand it requests through `routing` and upgrades through its server.
 * Its handler timeout is the router's sweep, not Fastify's timer per request.
 */
export async function buildInstance (kind: string, config: ResolvedConfig, log: FastifyBaseLogger, observers: ReadonlySet<RequestObserver>, deadlines: Deadlines): Promise<Built> {
  const inFlight = new InFlight(config.handlerTimeout)
  const instance = Fastify({
    loggerInstance: log.child({ kind }),
    logController: new RequestLog(kind, observers, inFlight),
    bodyLimit: config.bodyLimit,
    serverFactory: handler => createServer(handler),
    // A URL the router cannot decode and the like: the status, without a JSON body, like every error of the table.
    frameworkErrors: (err, request, reply) => {
      request.log.info({ err: { code: err.code, message: err.message } }, 'bad request')
      ;(reply as FastifyReply).code(err.statusCode ?? 400).send()
    }
  })
  // Before any plugin: an encapsulated context copies the reply decorations it finds when it is registered.
  InFlight.decorate(instance)
  // First of all hooks: a refused Origin gets 403, then missing credentials 401, before any plugin or upgrade.
  installOriginCheck(instance, config.allowedOrigins)
  installAuth(instance, kind, config.auth)
  for (const plugin of config.plugins) {
    if (Array.isArray(plugin)) await instance.register(plugin[0], plugin[1])
    else await instance.register(plugin as Parameters<FastifyInstance['register']>[0])
  }
  if (config.setup !== undefined) await config.setup(instance)
  await instance.register(endpointTable, { endpoints: config.endpoints, maxPayload: config.maxPayload, pingInterval: config.wsPingInterval })
  instance.addHook('onClose', async () => deadlines.unwatch(inFlight))
  await instance.ready()
  deadlines.watch(inFlight, config.requestTimeout)
  return { instance, inFlight }
}

/**
 * One built instance of a kind and the requests and WebSockets still on it. A
 * retired generation closes once the last of them is done. Requests are
 * counted by the instance's in-flight set; upgraded sockets by enter and leave.
 */
export class Generation {
  readonly instance: FastifyInstance
  readonly #inFlight: InFlight
  #upgrades = 0
  #retired = false
  #closed: Promise<void> | undefined

  constructor ({ instance, inFlight }: Built) {
    this.instance = instance
    this.#inFlight = inFlight
  }

  get active (): number {
    return this.#inFlight.size + this.#upgrades
  }

  /** An upgraded socket (a WebSocket) on this generation. */
  enter (): void {
    this.#upgrades++
  }

  leave (): void {
    this.#upgrades--
    this.#closeIfIdle()
  }

  /** No new work comes here; close when the work in flight is done. */
  retire (): void {
    this.#retired = true
    this.#inFlight.whenIdle(() => this.#closeIfIdle())
    this.#closeIfIdle()
  }

  #closeIfIdle (): void {
    if (this.#retired && this.active === 0) this.close().catch(() => {})
  }

  close (): Promise<void> {
    this.#closed ??= this.instance.close().then(() => {}, err => this.instance.log.error({ err }, 'closing a kind instance failed'))
    return this.#closed
  }
}
