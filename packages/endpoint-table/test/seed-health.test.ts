import { test } from 'tap'
import { request } from 'undici'
import { build, listen } from './helpers.ts'
import type { Endpoint } from '../src/index.ts'

/** The seed's /health endpoint; its WebSocket side is tested with the WebSockets. */
const onHealth: Endpoint = ['application/json',
  () => {
    // API call, return a JSON table
    return { state: 'up', uptime: 0 }
  },
  async (_h, ws) => {
    // Stream current status every second
    let ok = true
    while (ok) {
      ok = await ws.send(JSON.stringify(['up']))
    }
  }]

test('answers the seed /health with its JSON over plain HTTP', async t => {
  const { app } = await build(t, { '/health': onHealth })
  const res = await app.inject('/health')
  t.equal(res.statusCode, 200)
  t.equal(res.body, '{"state":"up","uptime":0}')
  t.equal(res.headers['content-type'], 'application/json')
})

test('answers the seed /health like curl does, over a real socket, GET and HEAD alike', async t => {
  const { app } = await build(t, { '/health': onHealth })
  const base = await listen(app)
  const get = await request(`${base}/health`)
  t.equal(get.statusCode, 200)
  t.equal(await get.body.text(), '{"state":"up","uptime":0}')
  t.equal(get.headers['content-type'], 'application/json')
  const head = await request(`${base}/health`, { method: 'HEAD' })
  t.equal(head.statusCode, 200)
  t.equal(await head.body.text(), '')
  t.equal(head.headers['content-length'], get.headers['content-length'])
  t.equal(head.headers['content-type'], 'application/json')
})
