import { once } from 'node:events'
import { test } from 'tap'
import WebSocket from 'ws'
import type { EndpointTable } from '@kinds/endpoint-table'
import { build, serve, settles } from './support/sockets.ts'

const endpoints: EndpointTable = {
  '/feed': ['text/plain', 'use a WebSocket', async (_h, ws) => { await new Promise(resolve => ws.signal.addEventListener('abort', resolve)) }]
}

test('pings each WebSocket every wsPingInterval and cuts one that does not answer', async t => {
  const { app } = await build(t)
  const fast = await serve(app, 'fast', { endpoints, wsPingInterval: 50 })
  const deaf = new WebSocket(`ws://127.0.0.1:${fast}/feed`, { autoPong: false })
  await settles(once(deaf, 'open'), 'open')
  const [code] = await settles(once(deaf, 'close'), 'the cut of a socket that never pongs')
  t.equal(code, 1006, 'cut without a close frame: the peer is presumed gone')

  const listening = new WebSocket(`ws://127.0.0.1:${fast}/feed`)
  await settles(once(listening, 'ping'), 'a ping from the server')
  t.equal(listening.readyState, WebSocket.OPEN, 'a socket that answers stays open')
  listening.close()
  await settles(once(listening, 'close'), 'close')
})

test('refuses a wsPingInterval that is not a positive integer', async t => {
  const { app } = await build(t)
  for (const wsPingInterval of [0, -5, 2.5, '30s']) {
    await t.rejects(async () => app.http.config({ wsPingInterval: wsPingInterval as number }, 'x'), { code: 'KINDS_ERR_KIND_CONFIG', message: /wsPingInterval/ })
  }
})
