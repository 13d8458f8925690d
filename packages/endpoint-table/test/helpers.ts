import { once } from 'node:events'
import net from 'node:net'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Test } from 'tap'
import type { WebSocket } from 'ws'
import endpointTable, { observeWebSockets, type EndpointTable, type EndpointTableOptions } from '../src/index.ts'

/** One line of the captured pino log. */
export interface LogLine {
  level: number
  msg: string
  reqId?: string
  err?: { type?: string, message?: string, stack?: string }
  [key: string]: unknown
}

export interface Built {
  app: FastifyInstance
  logs: LogLine[]
  /** The table's WebSockets the server still holds (opened and not yet closed). */
  sockets: ReadonlySet<WebSocket>
}

const ERROR = 50

/** A fresh app serving `endpoints`, its log captured, closed when the test ends; `before` sets up hooks first. */
export async function build (
  t: Pick<Test, 'teardown'>,
  endpoints: EndpointTable,
  options: Omit<EndpointTableOptions, 'endpoints'> = {},
  fastifyOptions: FastifyServerOptions = {},
  before?: (app: FastifyInstance) => Promise<void>
): Promise<Built> {
  const logs: LogLine[] = []
  const stream = { write (line: string) { logs.push(JSON.parse(line) as LogLine) } }
  const app = Fastify({ ...fastifyOptions, logger: { level: 'info', stream } })
  t.teardown(() => app.close())
  if (before !== undefined) await before(app)
  const sockets = new Set<WebSocket>()
  observeWebSockets(app, ws => {
    sockets.add(ws)
    ws.once('close', () => sockets.delete(ws))
  })
  await app.register(endpointTable, { ...options, endpoints })
  await app.ready()
  return { app, logs, sockets }
}

/** Listens on 127.0.0.1, a free port; resolves to the base URL. */
export async function listen (app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return `http://127.0.0.1:${port(app)}`
}

export function port (app: FastifyInstance): number {
  return (app.server.address() as net.AddressInfo).port
}

/** Lines logged at error level or above. */
export function errors (logs: LogLine[]): LogLine[] {
  return logs.filter(line => line.level >= ERROR)
}

/** A raw connection to the app's listener; resolves once connected. */
export async function connect (app: FastifyInstance): Promise<net.Socket> {
  const socket = net.connect(port(app), '127.0.0.1')
  await once(socket, 'connect')
  return socket
}

/** Resolves with `promise`, or rejects naming `what` if it has not settled after a few seconds (a hang guard, not a timing check). */
export async function settles<T> (promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const guard = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} never happened`)), 5000)
  })
  try {
    return await Promise.race([promise, guard])
  } finally {
    clearTimeout(timer)
  }
}

/** A promise with its resolve function, for a handler to report what it saw. */
export function deferred<T> (): { promise: Promise<T>, resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>(_resolve => { resolve = _resolve })
  return { promise, resolve }
}
