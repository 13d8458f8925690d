import { ok as assert } from 'node:assert'
import { test } from 'tap'
import { request } from 'undici'
import { build, errors, listen } from './helpers.ts'
import { headers, type ServeHandler } from '../src/index.ts'

/** The seed's handler that sends its own headers and body, then returns false. */
const raw: ServeHandler = async (h, stream): Promise<false> => {
  // Send back headers
  const hsend = headers.new()
  hsend.append(':status', '200')
  hsend.append('content-type', 'binary/octet-stream')
  assert(await stream.writeHeaders(hsend, false))
  // Send back data
  const data = 'binary-data'
  assert(await stream.writeChunk(data, true))
  // Disable default handler action
  return false
}

test('sends the seed raw handler headers and body as written, through inject', async t => {
  const { app, logs } = await build(t, { '/raw': ['application/json', raw, null, 60, true] })
  const res = await app.inject('/raw')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'binary/octet-stream')
  t.equal(res.body, 'binary-data')
  t.notOk(res.headers['cache-control'], 'nothing added')
  t.notOk(res.headers['access-control-allow-origin'], 'nothing added')
  t.same(errors(logs), [])
  t.notOk(logs.some(line => line.level >= 40), 'no warning either')
})

test('sends the seed raw handler headers and body as written, over a real socket', async t => {
  const { app, logs } = await build(t, { '/raw': ['application/json', raw] })
  const base = await listen(app)
  for (const method of ['GET', 'POST'] as const) {
    const res = await request(`${base}/raw`, { method, body: method === 'POST' ? 'ignored' : undefined })
    t.equal(res.statusCode, 200, method)
    t.equal(res.headers['content-type'], 'binary/octet-stream', method)
    t.equal(await res.body.text(), 'binary-data', method)
  }
  t.same(errors(logs), [])
})
