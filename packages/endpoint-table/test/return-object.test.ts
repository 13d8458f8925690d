import { test } from 'tap'
import { build } from './helpers.ts'

test('answers 200 with compact JSON when the handler returns an object', async t => {
  const { app } = await build(t, {
    '/health': ['application/json', () => ({ state: 'up', uptime: 0, nested: { list: [1, 2], ok: true } })]
  })
  const res = await app.inject('/health')
  t.equal(res.statusCode, 200)
  t.equal(res.body, '{"state":"up","uptime":0,"nested":{"list":[1,2],"ok":true}}')
  t.equal(res.headers['content-type'], 'application/json')
  t.equal(res.headers['content-length'], String(res.rawPayload.length))
})

test('answers 200 with compact JSON when the handler returns an array', async t => {
  const { app } = await build(t, {
    '/list': ['application/json', () => ['up', 1, null, { a: 'b' }]]
  })
  const res = await app.inject('/list')
  t.equal(res.statusCode, 200)
  t.equal(res.body, '["up",1,null,{"a":"b"}]')
  t.equal(res.headers['content-type'], 'application/json')
})

test('answers 200 with compact JSON when an async handler resolves to an object', async t => {
  const { app } = await build(t, {
    '/later': ['application/json', async () => ({ later: true })]
  })
  const res = await app.inject('/later')
  t.equal(res.statusCode, 200)
  t.equal(res.body, '{"later":true}')
})

test('sends the endpoint MIME as written, with no charset added, whatever it is', async t => {
  const { app } = await build(t, {
    '/vendor': ['application/vnd.kinds+json', () => ({ a: 1 })],
    '/text': ['text/plain', () => ({ a: 1 })],
    '/upper': ['Application/JSON', () => [1]]
  })
  const cases: Array<[string, string]> = [['/vendor', 'application/vnd.kinds+json'], ['/text', 'text/plain'], ['/upper', 'Application/JSON']]
  for (const [url, mime] of cases) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 200, url)
    t.equal(res.headers['content-type'], mime, url)
  }
})

test('keeps non-ASCII text of an object intact in the JSON', async t => {
  const { app } = await build(t, {
    '/utf8': ['application/json', () => ({ name: 'Zürich ✓' })]
  })
  const res = await app.inject('/utf8')
  t.same(JSON.parse(res.body), { name: 'Zürich ✓' })
  t.equal(res.headers['content-length'], String(Buffer.byteLength('{"name":"Zürich ✓"}')))
})
