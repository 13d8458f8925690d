import { test, type Test } from 'tap'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import websocket from '@fastify/websocket'
import WebSocket from 'ws'
import { request } from 'undici'
import endpointTable, { observeWebSockets, type EndpointTable } from '../src/index.ts'
import { settles } from './helpers.ts'

/** A table with a plain endpoint and a WebSocket one that greets once and counts its sockets. */
function table (name: string, opened: { count: number }): EndpointTable {
  return {
    '/hello': ['text/plain', () => `hello from ${name}`],
    '/live': ['text/plain', () => `live ${name}`, async (_h, ws) => {
      opened.count++
      await ws.send(`${name} ${ws.protocol}`)
      await ws.receive()
    }]
  }
}

async function listen (t: Pick<Test, 'teardown'>, app: FastifyInstance): Promise<string> {
  t.teardown(() => app.close())
  await app.listen({ host: '127.0.0.1', port: 0 })
  return `127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/** Opens a WebSocket and resolves with its first message; the socket stays open until the test closes it. */
async function firstMessage (url: string, protocols: string[] = []): Promise<{ ws: WebSocket, message: string }> {
  const ws = new WebSocket(url, protocols)
  const message = await settles(new Promise<string>((resolve, reject) => {
    ws.once('message', data => resolve(String(data)))
    ws.once('error', reject)
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)))
  }), `a message from ${url}`)
  return { ws, message }
}

async function get (url: string, init: Parameters<typeof request>[1] = {}): Promise<{ status: number, body: string, headers: Record<string, unknown> }> {
  const res = await request(url, init)
  return { status: res.statusCode, body: await res.body.text(), headers: res.headers }
}

test('a: an app that already registers @fastify/websocket keeps its own WebSocket route, and the tables reuse its server', async t => {
  const app = Fastify()
  await app.register(websocket)
  app.get('/app-ws', { websocket: true }, socket => { socket.send('app') })
  const a = { count: 0 }
  const b = { count: 0 }
  await app.register(endpointTable, { prefix: '/a', endpoints: table('a', a) })
  await app.register(endpointTable, { prefix: '/b', endpoints: table('b', b) })
  const connections: string[] = []
  app.websocketServer.on('connection', (_ws: WebSocket, req: { url?: string }) => connections.push(String(req.url)))
  const host = await listen(t, app)

  const own = await firstMessage(`ws://${host}/app-ws`)
  t.equal(own.message, 'app', 'the app\'s own WebSocket route answers')
  const fromA = await firstMessage(`ws://${host}/a/live`, ['json', 'other'])
  t.equal(fromA.message, 'a json', 'table a: its handler, and its subprotocol choice')
  const fromB = await firstMessage(`ws://${host}/b/live`)
  t.equal(fromB.message, 'b ', 'table b')
  t.same(connections, ['/app-ws', '/a/live', '/b/live'], 'one ws server, the app\'s, carries every socket')
  t.same([a.count, b.count], [1, 1], 'each upgrade reached one handler once')
  for (const { ws } of [own, fromA, fromB]) ws.close()
  t.equal(typeof app.injectWS, 'function', 'the app keeps its injectWS')
})

test('a: the maxPayload option is refused when the app\'s @fastify/websocket serves the table', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(websocket)
  await t.rejects(async () => { await app.register(endpointTable, { endpoints: {}, maxPayload: 10 }) }, { code: 'KINDS_ERR_OPTION', message: /maxPayload/ })
})

test('b: the app\'s own not-found handler, error handler, parser and hooks keep working beside a table under a prefix', async t => {
  const app = Fastify()
  app.setNotFoundHandler((req, reply) => { reply.code(404).send({ app: 'not here', url: req.url }) })
  app.setErrorHandler((err: Error, _req, reply) => { reply.code(418).send({ app: 'error', message: err.message }) })
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, String(body).split(',')))
  app.addHook('onRequest', async (_req, reply) => { reply.header('x-app', 'yes') })
  app.post('/csv', async req => ({ fields: req.body }))
  app.get('/fail', async () => { throw new Error('app broke') })
  await app.register(endpointTable, { prefix: '/t', endpoints: { '/echo': ['text/plain', async (_h, stream) => stream.getBodyAsString()] } })
  const host = await listen(t, app)

  const missing = await get(`http://${host}/nowhere`)
  t.equal(missing.status, 404)
  t.same(JSON.parse(missing.body), { app: 'not here', url: '/nowhere' }, 'the app\'s not-found handler answers the app\'s paths')
  const tableMissing = await get(`http://${host}/t/nowhere`)
  t.equal(tableMissing.status, 404)
  t.equal(tableMissing.body, '', 'the table\'s not-found handler answers within its prefix')
  const csv = await get(`http://${host}/csv`, { method: 'POST', body: 'a,b,c', headers: { 'content-type': 'text/csv' } })
  t.same(JSON.parse(csv.body), { fields: ['a', 'b', 'c'] }, 'the app\'s content-type parser')
  const fail = await get(`http://${host}/fail`)
  t.equal(fail.status, 418, 'the app\'s error handler')
  t.same(JSON.parse(fail.body), { app: 'error', message: 'app broke' })
  t.equal(csv.headers['x-app'], 'yes', 'the app\'s hook on its own route')
  const echo = await get(`http://${host}/t/echo`, { method: 'POST', body: 'x,y', headers: { 'content-type': 'text/csv' } })
  t.equal(echo.body, 'x,y', 'the table reads the raw body of any type')
  t.equal(echo.headers['x-app'], 'yes', 'the app\'s hooks reach the table too, as Fastify encapsulation has it')
})

test('b: an app that sets its not-found handler after registering a table under a prefix starts', async t => {
  const app = Fastify()
  await app.register(endpointTable, { prefix: '/t', endpoints: { '/x': ['text/plain', 'x'] } })
  app.setNotFoundHandler((_req, reply) => { reply.code(404).send('app 404') })
  const host = await listen(t, app)
  t.equal((await get(`http://${host}/elsewhere`)).body, 'app 404')
  t.equal((await get(`http://${host}/t/elsewhere`)).body, '')
})

test('b: without a prefix, a table keeps the not-found handler the instance already has', async t => {
  const app = Fastify()
  app.setNotFoundHandler((_req, reply) => { reply.code(404).send('app 404') })
  await app.register(endpointTable, { endpoints: { '/x': ['text/plain', 'x'] } })
  const host = await listen(t, app)
  t.equal((await get(`http://${host}/x`)).body, 'x')
  t.equal((await get(`http://${host}/elsewhere`)).body, 'app 404')
})

test('b: notFound: false leaves unknown paths of the prefix to the app', async t => {
  const app = Fastify()
  app.setNotFoundHandler((_req, reply) => { reply.code(404).send('app 404') })
  await app.register(endpointTable, { prefix: '/t', notFound: false, endpoints: { '/x': ['text/plain', 'x'] } })
  const host = await listen(t, app)
  t.equal((await get(`http://${host}/t/elsewhere`)).body, 'app 404')
})

test('c: two tables under two prefixes on an app without @fastify/websocket: HTTP and WebSockets of both, each upgrade once', async t => {
  const app = Fastify()
  const a = { count: 0 }
  const b = { count: 0 }
  await app.register(endpointTable, { prefix: '/a', endpoints: table('a', a) })
  await app.register(endpointTable, { prefix: '/b', endpoints: table('b', b) })
  const seen: string[] = []
  observeWebSockets(app, (_ws, req) => seen.push(String(req.url)))
  const host = await listen(t, app)
  t.notOk(app.hasDecorator('websocketServer'), 'no websocketServer decorator on the app')
  t.notOk(app.hasDecorator('injectWS'), 'no injectWS decorator on the app')
  t.equal(app.server.listenerCount('upgrade'), 1, 'one upgrade listener for both tables')

  t.equal((await get(`http://${host}/a/hello`)).body, 'hello from a')
  t.equal((await get(`http://${host}/b/hello`)).body, 'hello from b')
  t.equal((await get(`http://${host}/b/live`)).body, 'live b', 'plain GET of a WebSocket endpoint')
  const fromA = await firstMessage(`ws://${host}/a/live`, ['json'])
  const fromB = await firstMessage(`ws://${host}/b/live`)
  t.equal(fromA.message, 'a json')
  t.equal(fromB.message, 'b ')
  t.same([a.count, b.count], [1, 1], 'each upgrade reached one handler once')
  t.same(seen, ['/a/live', '/b/live'], 'observeWebSockets sees the sockets of both tables')
  const closes = [fromA.ws, fromB.ws].map(ws => new Promise<number>(resolve => ws.once('close', code => resolve(code))))
  await app.close()
  t.same(await settles(Promise.all(closes), 'both sockets closed'), [1001, 1001], 'closing the app tells the clients of both tables 1001')
  t.equal(app.server.listenerCount('upgrade'), 0, 'the shared upgrade listener is gone')
})

test('c: a third table without a prefix and an unknown path beside them', async t => {
  const app = Fastify()
  const counts = { count: 0 }
  await app.register(endpointTable, { prefix: '/a', endpoints: table('a', counts) })
  await app.register(endpointTable, { endpoints: { '/root': ['text/plain', 'root'] } })
  const host = await listen(t, app)
  t.equal((await get(`http://${host}/root`)).body, 'root')
  t.equal((await get(`http://${host}/a/hello`)).body, 'hello from a')
  const missing = await get(`http://${host}/elsewhere`)
  t.equal(missing.status, 404)
  t.equal(missing.body, '', 'the table at the root answers the instance\'s unknown paths')
})

test('an app that registers @fastify/websocket after a table: both WebSocket routes work, each upgrade once', async t => {
  const app = Fastify()
  const counts = { count: 0 }
  await app.register(endpointTable, { prefix: '/a', endpoints: table('a', counts) })
  await app.register(websocket)
  app.get('/app-ws', { websocket: true }, socket => { socket.send('app') })
  const host = await listen(t, app)
  const own = await firstMessage(`ws://${host}/app-ws`)
  const fromA = await firstMessage(`ws://${host}/a/live`)
  t.equal(own.message, 'app')
  t.equal(fromA.message, 'a ')
  t.equal(counts.count, 1)
  own.ws.close()
  fromA.ws.close()
})

test('a bad prefix is refused with a coded error naming it', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  await t.rejects(async () => { await app.register(endpointTable, { prefix: 'a', endpoints: {} }) }, { code: 'KINDS_ERR_OPTION', message: /prefix/ })
})
