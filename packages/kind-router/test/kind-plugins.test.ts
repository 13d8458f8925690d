import { once } from 'node:events'
import type { IncomingMessage } from 'node:http'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { test, type Test } from 'tap'
import WebSocket from 'ws'
import type { EndpointTable } from '@kinds/endpoint-table'
import { agent, build, fetchText, serve, settles } from './support/sockets.ts'

const endpoints: EndpointTable = {
  '/data': ['text/plain', () => 'data', async (_h, ws) => { await ws.send('hello') }]
}

/** 401 unless the request carries `x-token: <token>`, for HTTP and WebSocket upgrades alike. */
const checkToken: FastifyPluginAsync<{ token: string }> = async (instance, options) => {
  instance.addHook('onRequest', async (request, reply) => {
    if (request.headers['x-token'] !== options.token) await reply.code(401).send()
  })
}
// Not encapsulated, so its hook reaches the endpoints registered after it.
const auth = fp(checkToken)

/** Opens a WebSocket; resolves to its first message, or to the status of a refused upgrade. */
async function websocket (url: string, headers: Record<string, string> = {}): Promise<string | number> {
  const ws = new WebSocket(url, { headers })
  const outcome = new Promise<string | number>((resolve, reject) => {
    ws.once('message', data => resolve(data.toString()))
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      resolve(res.statusCode ?? 0)
      res.resume()
      ws.terminate()
    })
    ws.once('error', reject)
  })
  try {
    return await settles(outcome, `a message or a status from ${url}`)
  } finally {
    if (ws.readyState === WebSocket.OPEN) {
      ws.close()
      await once(ws, 'close')
    }
  }
}

async function checkAuth (t: Test, app: FastifyInstance, privatePort: number, publicPort: number): Promise<void> {
  const client = agent(t)
  const priv = `127.0.0.1:${privatePort}`
  const pub = `127.0.0.1:${publicPort}`
  t.equal((await fetchText(`http://${priv}/data`, client)).status, 401, 'HTTP without the header: 401')
  t.equal((await fetchText(`http://${priv}/data`, client, { headers: { 'x-token': 'secret' } })).body, 'data', 'HTTP with the header: served')
  t.equal(await websocket(`ws://${priv}/data`), 401, 'a WebSocket upgrade without the header: 401')
  t.equal(await websocket(`ws://${priv}/data`, { 'x-token': 'secret' }), 'hello', 'a WebSocket upgrade with the header: open')
  t.equal((await fetchText(`http://${pub}/data`, client)).body, 'data', 'another kind is not affected over HTTP')
  t.equal(await websocket(`ws://${pub}/data`), 'hello', 'another kind is not affected over WebSocket')
  t.equal(app.net.list().length, 2)
}

test('a plugins entry registers into that kind only: its auth hook guards HTTP and WebSocket upgrades', async t => {
  const { app } = await build(t)
  const privatePort = await serve(app, 'private', { endpoints, plugins: [[auth, { token: 'secret' }]] })
  const publicPort = await serve(app, 'public', { endpoints })
  await checkAuth(t, app, privatePort, publicPort)
})

test('setup adds hooks to that kind only: its auth hook guards HTTP and WebSocket upgrades', async t => {
  const { app } = await build(t)
  const privatePort = await serve(app, 'private', {
    endpoints,
    setup: instance => {
      instance.addHook('onRequest', async (request, reply) => {
        if (request.headers['x-token'] !== 'secret') await reply.code(401).send()
      })
    }
  })
  const publicPort = await serve(app, 'public', { endpoints })
  await checkAuth(t, app, privatePort, publicPort)
})

test('setup and plugins apply to webmgmt without touching other kinds', async t => {
  const { app } = await build(t)
  await app.http.config({ endpoints, plugins: [[auth, { token: 'secret' }]] }, 'webmgmt')
  const [mgmt] = await app.net.listen('127.0.0.1', 0, { kind: 'webmgmt' })
  const other = await serve(app, 'svc', { endpoints })
  await checkAuth(t, app, mgmt?.port ?? 0, other)
})

test('a plugin that fails leaves the kind on its previous table and rejects with KINDS_ERR_KIND_BUILD', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints })
  const broken: FastifyPluginAsync = async () => { throw new Error('plugin broke') }
  await t.rejects(app.http.config({ endpoints: {}, plugins: [broken] }, 'svc'), { code: 'KINDS_ERR_KIND_BUILD', message: /"svc".*plugin broke/ })
  t.equal((await fetchText(`http://127.0.0.1:${port}/data`, agent(t))).body, 'data', 'the old table still serves')
})
