import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import tls from 'node:tls'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { Agent, request } from 'undici'
import WebSocket from 'ws'
import kindRouter, { getEphemeralCertificate, type KindConfig, type ListenerInfo } from '../../src/index.ts'

/** One line of the captured pino log. */
export interface LogLine {
  level: number
  msg: string
  kind?: string
  [key: string]: unknown
}

export interface Built {
  app: FastifyInstance
  logs: LogLine[]
}

/** A temporary directory, removed when the test ends. */
export function tempDir (t: Pick<Test, 'teardown'>, prefix = 'kinds-router-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A fresh app with the kind router, its log captured at info level, closed when the test ends. */
export async function build (t: Pick<Test, 'teardown'>): Promise<Built> {
  const logs: LogLine[] = []
  const stream = { write (line: string) { logs.push(JSON.parse(line) as LogLine) } }
  const app = Fastify({ logger: { level: 'info', stream } })
  const certDir = tempDir(t, 'kinds-certs-')
  t.teardown(() => app.close())
  await app.register(kindRouter, { certDir, socketActivation: false })
  return { app, logs }
}

/** Adds `kind` with `conf` and listens on `address` port 0; gives the port. */
export async function serve (app: FastifyInstance, kind: string, conf: KindConfig, address = '127.0.0.1'): Promise<number> {
  await app.http.config(conf, kind)
  const [info] = await app.net.listen(address, 0, { kind })
  return portOf(info)
}

export function portOf (info: ListenerInfo | undefined): number {
  if (info?.port === undefined) throw new Error(`no port in ${JSON.stringify(info)}`)
  return info.port
}

/** The ephemeral certificate's PEM, for a client's `ca`. */
export async function ephemeralCa (): Promise<string> {
  return (await getEphemeralCertificate()).cert
}

/** An undici agent closed when the test ends; `ca` trusts that certificate. */
export function agent (t: Pick<Test, 'teardown'>, ca?: string): Agent {
  const dispatcher = new Agent(ca === undefined ? {} : { connect: { ca } })
  t.teardown(() => dispatcher.destroy())
  return dispatcher
}

export interface Reply {
  status: number
  body: string
  headers: Record<string, string | string[] | undefined>
}

/** An HTTP/1.1 request through `dispatcher`; the body read as text. */
export async function fetchText (url: string, dispatcher: Agent, options: { method?: 'GET' | 'POST' | 'PUT', body?: string | Buffer, headers?: Record<string, string> } = {}): Promise<Reply> {
  const res = await request(url, { dispatcher, method: options.method ?? 'GET', body: options.body, headers: options.headers })
  return { status: res.statusCode, body: await res.body.text(), headers: res.headers }
}

/** Writes `data` on a raw TCP connection and gives all the server sent until it closed the connection. */
export async function rawExchange (port: number, data: string | Buffer, host = '127.0.0.1'): Promise<string> {
  const socket = net.connect(port, host)
  await once(socket, 'connect')
  const chunks: Buffer[] = []
  socket.on('data', chunk => chunks.push(chunk))
  socket.write(data)
  await Promise.race([once(socket, 'close'), once(socket, 'end')])
  socket.destroy()
  return Buffer.concat(chunks).toString('latin1')
}

/** A raw HTTP/1.1 connection to a kind, clear or TLS (ALPN http/1.1, any certificate), connected, its errors ignored. */
export async function http1Connection (port: number, secure: boolean): Promise<net.Socket> {
  const socket: net.Socket = secure
    ? tls.connect({ host: '127.0.0.1', port, ALPNProtocols: ['http/1.1'], rejectUnauthorized: false })
    : net.connect(port, '127.0.0.1')
  socket.on('error', () => {})
  await once(socket, secure ? 'secureConnect' : 'connect')
  return socket
}

/** Resolves with `promise`, or rejects naming `what` if it has not settled after a few seconds (a hang guard, not a timing check). */
export async function settles<T> (promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const guard = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} never happened`)), ms)
  })
  try {
    return await Promise.race([promise, guard])
  } finally {
    clearTimeout(timer)
  }
}

/** Request lines of the log: the one info line per request. */
export function requestLines (logs: LogLine[]): LogLine[] {
  return logs.filter(line => line.msg === 'request')
}

/** Opens a WebSocket, sends `ping` and resolves to the first message back (the echo endpoints answer `echo ping`). */
export
async function echo (url: string, options: WebSocket.ClientOptions): Promise<string> {
  const ws = new WebSocket(url, options)
  try {
    await settles(once(ws, 'open'), 'open')
    ws.send('ping')
    const [data] = await settles(once(ws, 'message'), 'the echo') as [WebSocket.RawData]
    return data.toString()
  } finally {
    ws.close()
  }
}
