import { test } from 'tap'
import { build } from './helpers.ts'
import { status } from '../src/index.ts'

test('answers status N with the body given to status(N, body)', async t => {
  const { app } = await build(t, {
    '/bad': ['text/plain', () => status(500, 'Not a good request')]
  })
  const res = await app.inject('/bad')
  t.equal(res.statusCode, 500)
  t.equal(res.body, 'Not a good request')
  t.equal(res.headers['content-type'], 'text/plain')
  t.equal(res.headers['content-length'], '18')
})

test('sends an object given to status(N, body) as compact JSON', async t => {
  const { app } = await build(t, {
    '/made': ['application/json', () => status(201, { id: 7, tags: ['a'] })]
  })
  const res = await app.inject({ method: 'POST', url: '/made' })
  t.equal(res.statusCode, 201)
  t.equal(res.body, '{"id":7,"tags":["a"]}')
  t.equal(res.headers['content-type'], 'application/json')
})

test('sends bytes given to status(N, body) as they are', async t => {
  const { app } = await build(t, {
    '/bytes': ['application/octet-stream', () => status(202, Buffer.from([0, 255, 1]))],
    '/view': ['application/octet-stream', () => status(202, new Uint8Array([7, 8, 9]).subarray(1))]
  })
  const res = await app.inject('/bytes')
  t.equal(res.statusCode, 202)
  t.same([...res.rawPayload], [0, 255, 1])
  const view = await app.inject('/view')
  t.same([...view.rawPayload], [8, 9])
})

test('answers status(N) without a body with an empty body and no content-type', async t => {
  const { app } = await build(t, {
    '/gone': ['application/json', () => status(410)]
  })
  const res = await app.inject('/gone')
  t.equal(res.statusCode, 410)
  t.equal(res.body, '')
  t.notOk(res.headers['content-type'])
})

test('lets status(N, body, { mime }) override the endpoint MIME for one response', async t => {
  let calls = 0
  const { app } = await build(t, {
    '/mixed': ['application/json', () => ++calls === 1 ? status(400, 'plain words', { mime: 'text/plain' }) : { calls }]
  })
  const first = await app.inject('/mixed')
  t.equal(first.statusCode, 400)
  t.equal(first.body, 'plain words')
  t.equal(first.headers['content-type'], 'text/plain')
  const second = await app.inject('/mixed')
  t.equal(second.headers['content-type'], 'application/json', 'the override held for one response only')
  t.equal(second.body, '{"calls":2}')
})

test('lets status(200, body, { mime, maxAge }) override MIME and max-age of a 200', async t => {
  let calls = 0
  const { app } = await build(t, {
    '/cached': ['application/json', () => ++calls === 1 ? status(200, '<b>hi</b>', { mime: 'text/html', maxAge: 5 }) : { calls }, null, 60]
  })
  const first = await app.inject('/cached')
  t.equal(first.statusCode, 200)
  t.equal(first.body, '<b>hi</b>')
  t.equal(first.headers['content-type'], 'text/html')
  t.equal(first.headers['cache-control'], 'max-age=5')
  const second = await app.inject('/cached')
  t.equal(second.headers['cache-control'], 'max-age=60', 'the endpoint max-age is back on the next response')
  t.equal(second.headers['content-type'], 'application/json')
})

test('gives status(200, body, { maxAge }) a max-age even when the endpoint has none', async t => {
  const { app } = await build(t, {
    '/once': ['text/plain', () => status(200, 'x', { maxAge: 0 })]
  })
  const res = await app.inject('/once')
  t.equal(res.headers['cache-control'], 'max-age=0')
  t.equal(res.headers['content-type'], 'text/plain')
})

test('refuses a status outside 100..599 with a coded error', async t => {
  for (const code of [99, 600, 200.5, Number.NaN]) {
    t.throws(() => status(code), { code: 'KINDS_ERR_STATUS' }, String(code))
  }
})
