import { test } from 'tap'
import WebSocket from 'ws'
import type { EndpointTable } from '@kinds/endpoint-table'
import { build, ephemeralCa, serve, settles } from './support/sockets.ts'

const endpoints: EndpointTable = {
  '/feed': ['text/plain', () => 'use a WebSocket', async (_h, ws) => { await ws.send('hi') }]
}

async function handshake (url: string, options: WebSocket.ClientOptions = {}): Promise<number> {
  const ws = new WebSocket(url, options)
  ws.on('error', () => {})
  const status = await settles(new Promise<number>(resolve => {
    ws.once('open', () => resolve(101))
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
  }), 'the handshake')
  ws.terminate()
  return status
}

test('allowedOrigins []: a WebSocket upgrade from another origin gets 403 and a log line; the same origin and no Origin get through', async t => {
  const { app, logs } = await build(t)
  const port = await serve(app, 'svc', { endpoints, allowedOrigins: [] })
  const url = `ws://127.0.0.1:${port}/feed`
  t.equal(await handshake(url, { origin: 'https://evil.example' }), 403, 'another origin: 403')
  t.equal(await handshake(url, { origin: `http://127.0.0.1:${port}` }), 101, 'the page\'s own origin: 101')
  t.equal(await handshake(url, { origin: `https://127.0.0.1:${port}` }), 403, 'the same host over another scheme is another origin')
  t.equal(await handshake(url, { origin: 'null' }), 403, 'an opaque origin ("null"): 403')
  t.equal(await handshake(url), 101, 'no Origin (not a browser): 101')
  const line = logs.find(l => l.msg === 'websocket origin refused')
  t.equal(line?.origin, 'https://evil.example', 'the refusal is logged with the origin')
  t.equal(line?.kind, 'svc', 'and the kind')

  const ca = await ephemeralCa()
  t.equal(await handshake(`wss://127.0.0.1:${port}/feed`, { ca, origin: `https://127.0.0.1:${port}` }), 101, 'over TLS the https origin is the own one')
})

test('allowedOrigins lists the other origins let in; \'*\' (the default of a user kind) lets any in', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints, allowedOrigins: ['https://ops.example'] })
  const url = `ws://127.0.0.1:${port}/feed`
  t.equal(await handshake(url, { origin: 'https://ops.example' }), 101, 'a listed origin: 101')
  t.equal(await handshake(url, { origin: 'https://evil.example' }), 403, 'another one: 403')
  await app.http.config({ endpoints }, 'svc')
  t.equal(await handshake(url, { origin: 'https://evil.example' }), 101, 'by default a user kind takes any origin')
})

test('allowedOrigins is refused when it is not \'*\' or a list of origins', async t => {
  const { app } = await build(t)
  for (const bad of ['same-origin', ['https://ops.example/'], ['ops.example'], ['HTTPS://OPS.EXAMPLE'], [1]]) {
    t.throws(() => app.http.config({ endpoints, allowedOrigins: bad } as never, 'svc'), { code: 'KINDS_ERR_KIND_CONFIG', message: /field allowedOrigins/ }, `${JSON.stringify(bad)} is refused`)
  }
})
