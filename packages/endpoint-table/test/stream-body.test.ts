import { test } from 'tap'
import { request } from 'undici'
import { build, errors, listen } from './helpers.ts'

test('gives the request body as a string with getBodyAsString()', async t => {
  const { app } = await build(t, {
    '/text': ['text/plain', async (_h, stream) => `got ${await stream.getBodyAsString()}`]
  })
  const res = await app.inject({ method: 'POST', url: '/text', headers: { 'content-type': 'text/plain' }, payload: 'héllo wörld' })
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'got héllo wörld')
})

test('gives the request body as a Buffer with getBody()', async t => {
  const sent = Buffer.from([0, 1, 2, 0xfe, 0xff])
  const { app } = await build(t, {
    '/bytes': ['application/json', async (_h, stream) => {
      const body = await stream.getBody()
      return { isBuffer: Buffer.isBuffer(body), bytes: [...body] }
    }]
  })
  const res = await app.inject({ method: 'POST', url: '/bytes', headers: { 'content-type': 'application/octet-stream' }, payload: sent })
  t.same(JSON.parse(res.body), { isBuffer: true, bytes: [0, 1, 2, 0xfe, 0xff] })
})

test('gives the request body parsed with getBodyAsJson()', async t => {
  const { app } = await build(t, {
    '/json': ['application/json', async (_h, stream) => {
      const body = await stream.getBodyAsJson<{ n: number, list: string[] }>()
      return { doubled: body.n * 2, first: body.list[0] }
    }]
  })
  const res = await app.inject({ method: 'POST', url: '/json', headers: { 'content-type': 'application/json' }, payload: '{"n":21,"list":["a"]}' })
  t.equal(res.statusCode, 200)
  t.equal(res.body, '{"doubled":42,"first":"a"}')
})

test('answers 400 with an empty body when getBodyAsJson() meets bad JSON and the handler lets it throw', async t => {
  const { app, logs } = await build(t, {
    '/json': ['application/json', async (_h, stream) => await stream.getBodyAsJson<Record<string, unknown>>()]
  })
  for (const payload of ['{bad', '', 'undefined']) {
    const res = await app.inject({ method: 'POST', url: '/json', headers: { 'content-type': 'application/json' }, payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.equal(res.body, '', JSON.stringify(payload))
    t.notOk(res.headers['content-type'], JSON.stringify(payload))
  }
  t.same(errors(logs), [], 'a client fault is not an error of the server')
})

test('lets the handler catch the bad JSON error and answer itself', async t => {
  const { app } = await build(t, {
    '/json': ['text/plain', async (_h, stream) => {
      try {
        return await stream.getBodyAsJson<Record<string, unknown>>()
      } catch (err) {
        return `caught ${(err as { code?: string }).code}`
      }
    }]
  })
  const res = await app.inject({ method: 'POST', url: '/json', payload: 'nope' })
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'caught KINDS_ERR_BODY_JSON')
})

test('accepts a body of any content-type, or of none, as it is', async t => {
  const { app } = await build(t, {
    '/any': ['application/json', async (h, stream) => ({ type: h.get('content-type') ?? null, body: await stream.getBodyAsString() })]
  })
  const base = await listen(app)
  const types = [
    'application/octet-stream',
    'application/dns-message',
    'application/json',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'text/plain; charset=latin1',
    'image/png'
  ]
  for (const type of types) {
    const res = await request(`${base}/any`, { method: 'POST', headers: { 'content-type': type }, body: 'a=1&{raw' })
    t.equal(res.statusCode, 200, type)
    t.same(await res.body.json(), { type, body: 'a=1&{raw' }, type)
  }
  const none = await request(`${base}/any`, { method: 'PUT', body: Buffer.from('no type') })
  t.equal(none.statusCode, 200, 'no content-type')
  t.same(await none.body.json(), { type: null, body: 'no type' })
})

test('gives an empty body when the request has none', async t => {
  const { app } = await build(t, {
    '/empty': ['application/json', async (_h, stream) => ({ text: await stream.getBodyAsString(), bytes: (await stream.getBody()).length })]
  })
  for (const method of ['GET', 'POST', 'DELETE'] as const) {
    const res = await app.inject({ method, url: '/empty' })
    t.equal(res.body, '{"text":"","bytes":0}', method)
  }
})

test('gives the same body to every getter, however many times it is read', async t => {
  const { app } = await build(t, {
    '/twice': ['application/json', async (_h, stream) => [
      await stream.getBodyAsString(),
      (await stream.getBody()).toString(),
      await stream.getBodyAsJson()
    ]]
  })
  const res = await app.inject({ method: 'POST', url: '/twice', headers: { 'content-type': 'application/json' }, payload: '7' })
  t.equal(res.body, '["7","7",7]')
})
