import { test } from 'tap'
import { build } from './helpers.ts'

test('answers 200 with the string as it is when the handler returns a string', async t => {
  const { app } = await build(t, {
    '/text': ['text/html', () => '<p>héllo {"not":"json"}</p>']
  })
  const res = await app.inject('/text')
  t.equal(res.statusCode, 200)
  t.equal(res.body, '<p>héllo {"not":"json"}</p>')
  t.equal(res.headers['content-type'], 'text/html')
  t.equal(res.headers['content-length'], String(Buffer.byteLength('<p>héllo {"not":"json"}</p>')))
})

test('answers 200 with the bytes as they are when the handler returns a Buffer', async t => {
  const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff, 0x7b])
  const { app } = await build(t, {
    '/bin': ['application/octet-stream', async () => bytes]
  })
  const res = await app.inject('/bin')
  t.equal(res.statusCode, 200)
  t.same(res.rawPayload, bytes)
  t.equal(res.headers['content-type'], 'application/octet-stream')
  t.equal(res.headers['content-length'], '6')
})

test('answers 200 with the bytes as they are when the handler returns a Uint8Array', async t => {
  // A view into a larger buffer: only the viewed bytes go out.
  const backing = new Uint8Array([9, 9, 104, 105, 0, 255, 9])
  const view = backing.subarray(2, 6)
  const { app } = await build(t, {
    '/view': ['binary/octet-stream', () => view]
  })
  const res = await app.inject('/view')
  t.equal(res.statusCode, 200)
  t.same([...res.rawPayload], [104, 105, 0, 255])
  t.equal(res.headers['content-type'], 'binary/octet-stream')
})

test('answers 200 with an empty body when the handler returns an empty string', async t => {
  const { app } = await build(t, {
    '/empty': ['text/plain', () => '']
  })
  const res = await app.inject('/empty')
  t.equal(res.statusCode, 200)
  t.equal(res.body, '')
  t.equal(res.headers['content-length'], '0')
})

test('sends no content-type when the endpoint MIME is empty', async t => {
  const { app } = await build(t, {
    '/bare': ['', () => 'no type'],
    '/json': ['', () => ({ a: 1 })],
    '/static': ['', 'static']
  })
  for (const url of ['/bare', '/json', '/static']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 200, url)
    t.notOk(res.headers['content-type'], url)
  }
  t.equal((await app.inject('/json')).body, '{"a":1}')
})
