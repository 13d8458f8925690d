import { test } from 'tap'
import { request } from 'undici'
import { build, errors, listen } from './helpers.ts'

test('answers 413 with an empty body to a body over the limit, without calling the handler', async t => {
  let calls = 0
  const { app, logs } = await build(t, {
    '/upload': ['application/json', async (_h, stream) => {
      calls++
      return { size: (await stream.getBody()).length }
    }]
  }, {}, { bodyLimit: 16 })
  const over = await app.inject({ method: 'POST', url: '/upload', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(17) })
  t.equal(over.statusCode, 413)
  t.equal(over.body, '')
  t.notOk(over.headers['content-type'])
  t.equal(calls, 0, 'the handler never ran')
  const at = await app.inject({ method: 'POST', url: '/upload', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(16) })
  t.equal(at.statusCode, 200, 'a body at the limit is fine')
  t.equal(at.body, '{"size":16}')
  t.same(errors(logs), [], 'a client fault is not an error of the server')
})

test('answers 413 over a real socket, whatever the content-type', async t => {
  const { app } = await build(t, {
    '/upload': ['text/plain', async (_h, stream) => await stream.getBodyAsString()]
  }, {}, { bodyLimit: 1024 })
  const base = await listen(app)
  for (const type of ['application/json', 'text/plain', undefined]) {
    const res = await request(`${base}/upload`, {
      method: 'PUT',
      body: 'x'.repeat(4096),
      headers: type === undefined ? {} : { 'content-type': type }
    })
    t.equal(res.statusCode, 413, String(type))
    t.equal(await res.body.text(), '', String(type))
  }
})
