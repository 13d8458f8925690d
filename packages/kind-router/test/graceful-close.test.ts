import http2 from 'node:http2'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify, { type FastifyInstance } from 'fastify'
import { test, type Test } from 'tap'
import { Client } from 'undici'
import WebSocket from 'ws'
import { sleep, type EndpointTable } from '@kinds/endpoint-table'
import kindRouter, { type KindConfig } from '../src/index.ts'
import { settles, startChild, type Exit, type Line } from './support/child.ts'

const closeChild = fileURLToPath(new URL('fixtures/close-child.ts', import.meta.url))

interface Deferred<T> { promise: Promise<T>, resolve: (value: T) => void }
function deferred<T> (): Deferred<T> {
  let resolve!: (value: T) => void
  const promise = new Promise<T>(_resolve => { resolve = _resolve })
  return { promise, resolve }
}

function tempDir (t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'kinds-close-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function build (t: Test): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(kindRouter, { certDir: tempDir(t), socketActivation: false })
  return app
}

/** A table with a gated slow request (it says when it started), a quick one and a WebSocket stream. */
function table (gate: { entered: Deferred<void>, release: Promise<void> }): EndpointTable {
  return {
    '/gen': ['application/json', { ok: true }],
    '/slow': ['application/json', async () => {
      gate.entered.resolve()
      await gate.release
      return { slow: 'done' }
    }],
    '/ws': ['application/json', { ok: true }, async (h, ws) => {
      while (await ws.send('["up"]')) {
        if (!await sleep(20, ws.signal)) break
      }
    }]
  }
}

function gate (t: Test): { entered: Deferred<void>, release: Promise<void>, open: () => void } {
  const entered = deferred<void>()
  const release = deferred<void>()
  t.teardown(() => release.resolve())
  return { entered, release: release.promise, open: () => release.resolve() }
}

async function listen (app: FastifyInstance, kind: string, conf: KindConfig): Promise<number> {
  await app.http.config(conf, kind)
  const [info] = await app.net.listen('127.0.0.1', 0, { kind })
  if (info?.port === undefined) throw new Error('no port')
  return info.port
}

interface Stream { ws: WebSocket, messages: number, close: Promise<{ code: number, reason: string }> }
async function openStream (t: Test, url: string): Promise<Stream> {
  const ws = new WebSocket(url, { rejectUnauthorized: false })
  t.teardown(() => ws.terminate())
  const stream: Stream = {
    ws,
    messages: 0,
    close: new Promise(resolve => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })))
  }
  ws.on('message', () => { stream.messages++ })
  ws.on('error', () => {})
  await once(ws, 'message')
  return stream
}

function client (t: Test, origin: string): Client & { disconnected: Promise<void> } {
  const c = new Client(origin)
  t.teardown(() => c.destroy())
  return Object.assign(c, { disconnected: new Promise<void>(resolve => c.once('disconnect', () => resolve())) })
}

/**
 * An HTTP/2 session over TLS. node:http2 rather than undici: undici fails the
 * streams in flight on a graceful GOAWAY, which is what a closing server sends.
 */
function h2session (t: Test, port: number): http2.ClientHttp2Session & { ended: Promise<void> } {
  const session = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false })
  session.on('error', () => {})
  t.teardown(() => session.destroy())
  return Object.assign(session, { ended: new Promise<void>(resolve => session.once('close', () => resolve())) })
}

function h2get (session: http2.ClientHttp2Session, path: string): Promise<{ status: number, body: string }> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path })
    let status = 0
    let body = ''
    req.on('response', headers => { status = Number(headers[':status']) })
    req.on('data', chunk => { body += String(chunk) })
    req.on('end', () => resolve({ status, body }))
    req.on('error', reject)
    req.end()
  })
}

async function get (c: Client, path: string): Promise<{ status: number, body: string }> {
  const { statusCode, body } = await c.request({ method: 'GET', path })
  return { status: statusCode, body: await body.text() }
}

/** Resolves to the error code of a new TCP connection, or 'connected'. */
function tryConnect (port: number): Promise<string> {
  return new Promise(resolve => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve('connected')
    })
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
  })
}

test('net.close lets an in-flight request finish, refuses new connections, closes WebSockets with 1001 and leaves the other listener serving', async t => {
  const app = await build(t)
  const slow = gate(t)
  const port = await listen(app, 'myservice', { endpoints: table(slow), tls: false })
  const [other] = await app.net.listen('127.0.0.1', 0, { kind: 'myservice' })
  const otherPort = other!.port!

  const ws = await openStream(t, `ws://127.0.0.1:${port}/ws`)
  const otherWs = await openStream(t, `ws://127.0.0.1:${otherPort}/ws`)
  const idle = client(t, `http://127.0.0.1:${port}`)
  t.equal((await get(idle, '/gen')).status, 200, 'an idle keep-alive connection')
  const inFlight = get(client(t, `http://127.0.0.1:${port}`), '/slow')
  await settles(slow.entered.promise, 'the slow request')

  let closed = false
  const closing = app.net.close('127.0.0.1', port).then(() => { closed = true })
  t.same(await settles(ws.close, 'the WebSocket close'), { code: 1001, reason: 'listener closing' }, 'the WebSocket is closed with 1001')
  t.equal(await tryConnect(port), 'ECONNREFUSED', 'a new connection is refused')
  await settles(idle.disconnected, 'the idle connection closing')
  t.pass('the idle keep-alive connection is closed')
  t.notOk(closed, 'close waits for the request in flight')

  slow.open()
  t.same(await settles(inFlight, 'the slow answer'), { status: 200, body: '{"slow":"done"}' }, 'the request in flight finishes')
  await settles(closing, 'net.close')
  t.same(app.net.list().map(l => l.port), [otherPort], 'only the other listener is left')

  const before = otherWs.messages
  t.same(await get(client(t, `http://127.0.0.1:${otherPort}`), '/gen'), { status: 200, body: '{"ok":true}' }, 'the other listener serves')
  await settles((async () => { while (otherWs.messages <= before) await sleep(5) })(), 'a message on the other WebSocket')
  t.equal(otherWs.ws.readyState, WebSocket.OPEN, 'the other listener\'s WebSocket stays open')
})

test('app.close lets in-flight requests finish and closes WebSockets with 1001 on every listener, HTTP/1.1 and HTTP/2', async t => {
  const app = await build(t)
  const plain = gate(t)
  const secure = gate(t)
  const plainPort = await listen(app, 'myservice', { endpoints: table(plain), tls: false })
  const securePort = await listen(app, 'secure', { endpoints: table(secure), tls: true })

  const plainWs = await openStream(t, `ws://127.0.0.1:${plainPort}/ws`)
  const secureWs = await openStream(t, `wss://127.0.0.1:${securePort}/ws`)
  const h2 = h2session(t, securePort)
  const plainSlow = get(client(t, `http://127.0.0.1:${plainPort}`), '/slow')
  const secureSlow = h2get(h2, '/slow')
  await settles(Promise.all([plain.entered.promise, secure.entered.promise]), 'the slow requests')

  let closed = false
  const closing = app.close().then(() => { closed = true })
  t.equal((await settles(plainWs.close, 'the plain WebSocket close')).code, 1001, 'the plain WebSocket is closed with 1001')
  t.equal((await settles(secureWs.close, 'the TLS WebSocket close')).code, 1001, 'the TLS WebSocket is closed with 1001')
  t.equal(await tryConnect(plainPort), 'ECONNREFUSED', 'the plain listener refuses new connections')
  t.equal(await tryConnect(securePort), 'ECONNREFUSED', 'the TLS listener refuses new connections')
  t.notOk(closed, 'close waits for the requests in flight')

  plain.open()
  secure.open()
  t.same(await settles(plainSlow, 'the plain answer'), { status: 200, body: '{"slow":"done"}' }, 'the HTTP/1.1 request finishes')
  t.same(await settles(secureSlow, 'the HTTP/2 answer'), { status: 200, body: '{"slow":"done"}' }, 'the HTTP/2 request finishes')
  await settles(closing, 'app.close')
  await settles(h2.ended, 'the HTTP/2 session closing')
  t.same(app.net.list(), [], 'no listener is left')
})

test('app.close cuts what is still running once the grace is over', async t => {
  const app = await build(t)
  const grace = 500
  const entered = deferred<void>()
  const aborted = deferred<void>()
  const port = await listen(app, 'myservice', {
    tls: false,
    closeGrace: grace,
    endpoints: {
      '/never': ['text/plain', async (h, stream) => {
        entered.resolve()
        // Ends only when the client is gone: no timer keeps the process alive.
        await new Promise(resolve => stream.signal.addEventListener('abort', resolve))
        aborted.resolve()
        return 'late'
      }]
    }
  })
  const stuck = get(client(t, `http://127.0.0.1:${port}`), '/never').then(() => 'answered', (err: Error & { code?: string }) => err.code ?? err.message)
  await settles(entered.promise, 'the stuck request')

  // Bounded by the grace plus slack: without the grace, close would wait for ever.
  await settles(app.close(), 'app.close within the grace', grace + 4000)
  t.equal(await settles(stuck, 'the stuck request ending'), 'UND_ERR_SOCKET', 'the stuck request is cut')
  await settles(aborted.promise, 'the handler seeing the abort')
  t.pass('the handler is told the client is gone')
})

test('app.close while a listen is under way leaves no listener behind', async t => {
  const app = await build(t)
  const endpoints: EndpointTable = { '/gen': ['application/json', { ok: true }] }
  await app.http.config({ endpoints, tls: false }, 'myservice')
  const [probe] = await app.net.listen('127.0.0.1', 0, { kind: 'myservice' })
  const port = probe!.port!
  await app.net.close('127.0.0.1', port)

  // A rebuild held on a gate keeps the listen below waiting until app.close has begun.
  const rebuild = deferred<void>()
  t.teardown(() => rebuild.resolve())
  const building = app.http.config({ endpoints, tls: false, setup: () => rebuild.promise }, 'myservice')
  const listening = app.net.listen('127.0.0.1', port, { kind: 'myservice' }).then(list => `listening on ${JSON.stringify(list)}`, (err: { code?: string }) => err.code)
  const closing = app.close()
  const closed = async (): Promise<void> => {
    for (;;) {
      try {
        await app.http.config(null, 'no-such-kind')
      } catch (err) {
        if ((err as { code?: string }).code === 'KINDS_ERR_CLOSED') return
      }
      await sleep(1)
    }
  }
  await settles(closed(), 'app.close beginning')
  rebuild.resolve()
  await settles(closing, 'app.close')
  await settles(building, 'the rebuild')
  t.equal(await settles(listening, 'the listen settling'), 'KINDS_ERR_CLOSED', 'the listen is refused: the app closed')
  t.same(app.net.list(), [], 'no listener is left')
  t.equal(await tryConnect(port), 'ECONNREFUSED', 'nothing listens on the port')
})

test('a process that calls app.close() with a WebSocket, an HTTP/2 session and keep-alive connections open exits by itself', async t => {
  const child = startChild(t, process.execPath, ['--import', 'tsx', closeChild], { CERT_DIR: tempDir(t) })
  const event = (name: string): Promise<Line> => child.line(l => l.event === name, name)

  const { port } = await event('listening') as { port: number }
  const ws = await openStream(t, `ws://127.0.0.1:${port}/ws`)
  const idle = client(t, `http://127.0.0.1:${port}`)
  t.equal((await get(idle, '/gen')).status, 200, 'an idle keep-alive HTTP/1.1 connection')
  const h2 = h2session(t, port)
  t.equal((await h2get(h2, '/gen')).status, 200, 'an idle HTTP/2 session over TLS')
  const slow = get(client(t, `http://127.0.0.1:${port}`), '/slow')
  await event('slow')

  child.process.kill('SIGUSR2')
  t.equal((await settles(ws.close, 'the WebSocket close')).code, 1001, 'the WebSocket is closed with 1001')
  t.same(await settles(slow, 'the slow answer'), { status: 200, body: '{"slow":true}' }, 'the request in flight finishes')
  await event('closed')
  await settles(Promise.all([idle.disconnected, h2.ended]), 'the idle connections closing')
  let exit: Exit
  try {
    exit = await settles(child.exited, 'the child exiting by itself')
  } catch {
    t.fail('the child did not exit by itself after app.close(): something is left open', {
      still: child.lines.find(l => l.event === 'still running'),
      stderr: child.stderr()
    })
    return
  }
  t.same(exit, { code: 0, signal: null }, 'the child exits by itself with code 0')
  t.same(child.lines.filter(l => l.event === 'close failed' || l.event === 'still running'), [], 'close did not fail and left nothing running')
})
