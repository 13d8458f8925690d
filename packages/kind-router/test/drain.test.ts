import { once } from 'node:events'
import { test } from 'tap'
import WebSocket from 'ws'
import type { EndpointTable } from '@kinds/endpoint-table'
import { agent, build, fetchText, serve, settles } from './support/sockets.ts'

const endpoints: EndpointTable = {
  '/hello': ['text/plain', () => 'hello'],
  '/feed': ['text/plain', () => 'use a WebSocket', async (_h, ws) => { for await (const m of ws) await ws.send(m) }]
}

test('net.drain(): readiness flips at once, the kind serves for its drainDelay, then its listeners close and WebSockets get 1001', async t => {
  const { app, logs } = await build(t)
  // Long enough never to end by itself in this test: app.close() ends it.
  const port = await serve(app, 'svc', { endpoints, drainDelay: 600_000 })
  const d = agent(t)
  t.same(app.net.readiness(), { ready: true }, 'ready while listening')
  const ws = new WebSocket(`ws://127.0.0.1:${port}/feed`)
  await settles(once(ws, 'open'), 'the WebSocket opening')
  const closed = once(ws, 'close')

  const drained = app.net.drain()
  t.equal(app.net.drain(), drained, 'a second drain() is the same drain')
  t.same(app.net.readiness(), { ready: false, reason: 'draining: the process is shutting down' }, 'not ready as soon as drain() is called')
  t.ok(logs.some(l => l.msg.startsWith('draining')), 'the drain is logged')
  const during = await fetchText(`http://127.0.0.1:${port}/hello`, d)
  t.same([during.status, during.body], [200, 'hello'], 'during drainDelay the kind still serves')
  t.equal(app.net.list().length, 1, 'and its listener is still open')

  await app.close()
  await settles(drained, 'the drain ending when the app closes')
  const [code] = await settles(closed, 'the WebSocket closing') as [number]
  t.equal(code, 1001, 'the WebSocket got 1001 (going away)')
})

test('net.drain() with drainDelay 0 closes the listeners gracefully at once; the app still closes after', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints, drainDelay: 0 })
  await serve(app, 'other', { endpoints, drainDelay: 0 })
  const ws = new WebSocket(`ws://127.0.0.1:${port}/feed`)
  await settles(once(ws, 'open'), 'the WebSocket opening')
  const closed = once(ws, 'close')
  await settles(app.net.drain(), 'the drain')
  t.same(app.net.list(), [], 'every listener is closed')
  t.equal(((await settles(closed, 'the WebSocket closing')) as [number])[0], 1001, 'the WebSocket got 1001')
  t.equal(app.net.readiness().ready, false, 'and the process stays not ready')
  await app.close()
})

test('drainDelay is refused when it is not a whole number of milliseconds', async t => {
  const { app } = await build(t)
  for (const bad of [-1, 1.5, '5s']) {
    t.throws(() => app.http.config({ endpoints, drainDelay: bad } as never, 'svc'), { code: 'KINDS_ERR_KIND_CONFIG', message: /field drainDelay/ }, `${JSON.stringify(bad)} is refused`)
  }
})
