// A fresh app per test: kind-router, snippets-ui, an `api` kind, listeners on port 0.
import { once } from 'node:events'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { request } from 'undici'
import WebSocket from 'ws'
import kindRouter from '@kinds/kind-router'
import type { EndpointTable } from '@kinds/endpoint-table'
import snippetsUi, { type SnippetsUiOptions } from '../../src/index.ts'

export interface Built {
  app: FastifyInstance
  /** http://127.0.0.1:<port> of webmgmt. */
  webmgmt: string
  /** http://127.0.0.1:<port> of the `api` kind. */
  api: string
}

export const apiEndpoints: EndpointTable = {
  '/ok': ['application/json', () => ({ ok: true })],
  '/missing': ['text/plain', () => 404],
  '/boom': ['text/plain', () => 500],
  '/echo': ['text/plain', () => 'echo', async (_h, ws) => { for await (const m of ws) await ws.send(m) }]
}

/** How a test makes its `api` kind; the default serves `apiEndpoints`. */
export type ConfigureApi = (app: FastifyInstance) => Promise<void>

const defaultApi: ConfigureApi = async app => { await app.http.config({ endpoints: apiEndpoints }, 'api') }

export async function build (t: Pick<Test, 'teardown'>, options: SnippetsUiOptions = {}, configure: ConfigureApi = defaultApi): Promise<Built> {
  const app = Fastify({ logger: false })
  await app.register(kindRouter)
  await app.register(snippetsUi, options)
  await configure(app)
  t.teardown(async () => {
    // Listeners first, each by its address, then the app.
    for (const l of app.net.list()) if (l.address !== undefined) await app.net.close(l.address, l.port).catch(() => {})
    await app.close()
  })
  await app.ready()
  const [w] = await app.net.listen('127.0.0.1', 0, { kind: 'webmgmt' })
  const [a] = await app.net.listen('127.0.0.1', 0, { kind: 'api' })
  return { app, webmgmt: `http://127.0.0.1:${w!.port}`, api: `http://127.0.0.1:${a!.port}` }
}

export async function get (url: string): Promise<{ status: number, headers: Record<string, string | string[] | undefined>, body: string }> {
  const res = await request(url)
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() }
}

export async function getJson<T = Record<string, number>> (url: string): Promise<T> {
  const res = await get(url)
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`)
  return JSON.parse(res.body) as T
}

/** Sends n GETs to a path, one after the other, and drains each body. */
export async function traffic (base: string, path: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await get(base + path)
}

/** A WebSocket client that queues the messages it receives. */
export class Client {
  readonly ws: WebSocket
  readonly #queue: string[] = []
  readonly #waiting: Array<(m: string) => void> = []

  constructor (url: string) {
    this.ws = new WebSocket(url)
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      const text = isBinary ? `binary:${data.toString()}` : data.toString()
      const waiter = this.#waiting.shift()
      if (waiter === undefined) this.#queue.push(text)
      else waiter(text)
    })
  }

  async open (): Promise<this> {
    if (this.ws.readyState !== WebSocket.OPEN) await once(this.ws, 'open')
    return this
  }

  next (): Promise<string> {
    const queued = this.#queue.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    return new Promise(resolve => this.#waiting.push(resolve))
  }

  async close (): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return
    const closed = once(this.ws, 'close')
    this.ws.close()
    await closed
  }
}
