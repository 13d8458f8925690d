import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { test, type Test } from 'tap'
import { Client } from 'undici'
import WebSocket from 'ws'
import { sleep, type EndpointTable } from '@kinds/endpoint-table'
import kindRouter from '../src/index.ts'
import { settles } from './support/child.ts'

const SWAPS = 100
const LOOPERS = 4
const STREAMS = 3
/** The generation whose slow request stays in flight while the later tables come. */
const SLOW_ON = 10
/** A WebSocket opened after this swap must land on that table. */
const LATE_WS_ON = 50
/** Hang guards: loops stop after this many requests or this long, whichever is first. */
const MAX_REQUESTS = 50_000
const MAX_MS = 20_000

interface Deferred<T> { promise: Promise<T>, resolve: (value: T) => void }
function deferred<T> (): Deferred<T> {
  let resolve!: (value: T) => void
  const promise = new Promise<T>(_resolve => { resolve = _resolve })
  return { promise, resolve }
}

/** Polls `done` until it holds or a while has passed: a hang guard, not a timing check. */
async function waitFor (done: () => boolean, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms
  while (!done() && Date.now() < until) await sleep(5)
  return done()
}

async function build (t: Test): Promise<FastifyInstance> {
  const certDir = mkdtempSync(join(tmpdir(), 'kinds-hot-swap-'))
  const app = Fastify()
  t.teardown(async () => {
    await app.close()
    rmSync(certDir, { recursive: true, force: true })
  })
  await app.register(kindRouter, { certDir, socketActivation: false })
  return app
}

interface Stream {
  ws: WebSocket
  messages: Array<{ gen: number, i: number }>
  closed: boolean
}

function openStream (url: string): Promise<Stream> {
  const ws = new WebSocket(url)
  const stream: Stream = { ws, messages: [], closed: false }
  ws.on('message', data => stream.messages.push(JSON.parse(String(data)) as { gen: number, i: number }))
  ws.on('close', () => { stream.closed = true })
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(stream))
    ws.once('error', reject)
  })
}

/** A keep-alive client that counts the connections it opened and lost. */
function client (t: Test, origin: string): { client: Client, connects: number, disconnects: number } {
  const c = { client: new Client(origin, { pipelining: 1, keepAliveTimeout: 30_000 }), connects: 0, disconnects: 0 }
  c.client.on('connect', () => { c.connects++ })
  c.client.on('disconnect', () => { c.disconnects++ })
  t.teardown(() => c.client.destroy())
  return c
}

async function getGen (c: Client, path = '/gen'): Promise<number> {
  const { statusCode, body } = await c.request({ method: 'GET', path })
  const text = await body.text()
  if (statusCode !== 200) throw new Error(`${path} answered ${statusCode}: ${text}`)
  return (JSON.parse(text) as { gen: number }).gen
}

test('swaps the table 100 times under load without failing a request or dropping a connection', async t => {
  const app = await build(t)
  const slowEntered = deferred<number>()
  const releaseSlow = deferred<void>()

  function table (gen: number): EndpointTable {
    return {
      '/gen': ['application/json', () => ({ gen })],
      '/slow': ['application/json', async () => {
        slowEntered.resolve(gen)
        await releaseSlow.promise
        return { gen }
      }],
      '/ws': ['application/json', () => ({ gen }), async (h, ws) => {
        let i = 0
        while (await ws.send(JSON.stringify({ gen, i: i++ }))) {
          if (!await sleep(10, ws.signal)) break
        }
      }]
    }
  }

  await app.http.config({ endpoints: table(0), tls: false }, 'myservice')
  const [info] = await app.net.listen('127.0.0.1', 0, { kind: 'myservice' })
  const origin = `http://127.0.0.1:${info!.port}`
  const connections = (): number => app.net.list()[0]!.connections

  const loopers = Array.from({ length: LOOPERS }, () => client(t, origin))
  const checker = client(t, origin)
  const slow = client(t, origin)
  // Every client has its one connection before the first swap.
  for (const c of [...loopers, checker, slow]) t.equal(await getGen(c.client), 0)
  const streams = await Promise.all(Array.from({ length: STREAMS }, () => openStream(`ws://127.0.0.1:${info!.port}/ws`)))
  for (const s of streams) t.teardown(() => s.ws.terminate())
  t.ok(await waitFor(() => streams.every(s => s.messages.length > 0)), 'the WebSockets receive')
  const baseline = LOOPERS + 2 + STREAMS
  t.equal(connections(), baseline, 'one connection per client and per WebSocket')

  let stop = false
  const running = (): boolean => !stop
  // A failed assertion must not leave the loops or the slow handler running.
  t.teardown(() => {
    stop = true
    releaseSlow.resolve()
  })
  const started = Date.now()
  const failures: string[] = []
  const seen = loopers.map(() => [] as number[])
  const loops = loopers.map(async (c, k) => {
    for (let n = 0; running() && n < MAX_REQUESTS && Date.now() - started < MAX_MS; n++) {
      try {
        seen[k]!.push(await getGen(c.client))
      } catch (err) {
        failures.push(String(err))
      }
    }
  })

  let slowAnswer: Promise<number> | undefined
  let late: Stream | undefined
  const wrongAfterSwap: string[] = []
  const connectionSamples: Array<{ swap: number, connections: number, expected: number }> = []
  const messagesAtLastSwap: number[] = []
  for (let gen = 1; gen <= SWAPS; gen++) {
    await app.http.config({ endpoints: table(gen), tls: false }, 'myservice')
    // Once config resolves, a new request is served by the new table.
    const answered = await getGen(checker.client)
    if (answered !== gen) wrongAfterSwap.push(`after swap ${gen} the table answered ${answered}`)
    if (gen === SLOW_ON) {
      slowAnswer = getGen(slow.client, '/slow')
      t.equal(await settles(slowEntered.promise, 'the slow request'), SLOW_ON, 'the slow request started on its table')
    }
    if (gen === LATE_WS_ON) {
      late = await openStream(`ws://127.0.0.1:${info!.port}/ws`)
      t.teardown(() => late?.ws.terminate())
    }
    connectionSamples.push({ swap: gen, connections: connections(), expected: baseline + (late === undefined ? 0 : 1) })
  }
  for (const s of streams) messagesAtLastSwap.push(s.messages.length)
  t.ok(slowAnswer, 'the slow request was sent')

  // The WebSockets opened on table 0 keep receiving after the last swap.
  t.ok(await waitFor(() => streams.every((s, i) => s.messages.length >= messagesAtLastSwap[i]! + 3)), 'the WebSockets keep receiving after the last swap')
  stop = true
  await Promise.all(loops)

  // The slow request finishes on its own table, after a hundred others came.
  releaseSlow.resolve()
  t.equal(await settles(slowAnswer!, 'the slow answer'), SLOW_ON, 'the slow request finished with its own table\'s answer')

  t.same(failures, [], 'no request failed')
  t.same(wrongAfterSwap, [], 'each swap serves new requests once config resolves')
  t.same(connectionSamples.filter(s => s.connections !== s.expected), [], 'the server saw no connection come or go')
  for (const [k, c] of [...loopers, checker, slow].entries()) {
    t.same({ connects: c.connects, disconnects: c.disconnects }, { connects: 1, disconnects: 0 }, `client ${k} kept its one keep-alive connection`)
  }
  for (const [k, gens] of seen.entries()) {
    t.ok(gens.length > 0, `client ${k} made requests`)
    t.ok(gens.every((g, i) => i === 0 || g >= gens[i - 1]!), `client ${k} never went back to an older table`)
    t.ok(new Set(gens).size > 1, `client ${k} moved across tables (${gens[0]} to ${gens[gens.length - 1]})`)
  }
  t.equal(await getGen(loopers[0]!.client), SWAPS, 'the last table serves')

  for (const [i, s] of streams.entries()) {
    t.notOk(s.closed, `WebSocket ${i} is still open`)
    t.ok(s.messages.every(m => m.gen === 0), `WebSocket ${i} stays on the table it opened on`)
    t.ok(s.messages.every((m, j) => m.i === j), `WebSocket ${i} lost no message`)
  }
  t.ok(late !== undefined && !late.closed && late.messages.length > 0, 'the late WebSocket is open and receiving')
  t.ok(late?.messages.every(m => m.gen === LATE_WS_ON), 'a WebSocket opened after a swap lands on the new table')
  t.equal(connections(), baseline + 1, 'no connection came or went')
})
