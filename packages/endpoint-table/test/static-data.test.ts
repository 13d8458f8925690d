import { test } from 'tap'
import { build } from './helpers.ts'

test('serves a string as it is to GET', async t => {
  const { app } = await build(t, { '/hello': ['text/html', '<p>héllo</p>'] })
  const res = await app.inject('/hello')
  t.equal(res.statusCode, 200)
  t.equal(res.body, '<p>héllo</p>')
  t.equal(res.headers['content-type'], 'text/html')
  t.equal(res.headers['content-length'], String(Buffer.byteLength('<p>héllo</p>')))
})

test('serves a Buffer as it is to GET', async t => {
  const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0xff])
  const { app } = await build(t, { '/logo.png': { mime: 'image/png', serve: bytes } })
  const res = await app.inject('/logo.png')
  t.equal(res.statusCode, 200)
  t.same(res.rawPayload, bytes)
  t.equal(res.headers['content-type'], 'image/png')
})

test('serves an object as compact JSON to GET', async t => {
  const { app } = await build(t, {
    '/version': ['application/json', { name: 'kinds', version: [0, 1] }],
    '/list': ['application/json', ['a', 'b']]
  })
  const res = await app.inject('/version')
  t.equal(res.statusCode, 200)
  t.equal(res.body, '{"name":"kinds","version":[0,1]}')
  t.equal(res.headers['content-type'], 'application/json')
  t.equal((await app.inject('/list')).body, '["a","b"]')
})

test('answers HEAD on static data with the headers of GET and no body', async t => {
  const { app } = await build(t, { '/hello': ['text/plain', 'hello world'] })
  const get = await app.inject('/hello')
  const head = await app.inject({ method: 'HEAD', url: '/hello' })
  t.equal(head.statusCode, 200)
  t.equal(head.body, '')
  t.equal(head.headers['content-type'], get.headers['content-type'])
  t.equal(head.headers['content-length'], '11')
})

test('answers 405 with allow: GET, HEAD to any other method on static data', async t => {
  const { app } = await build(t, {
    '/hello': ['text/plain', 'hello'],
    '/json': { mime: 'application/json', serve: { a: 1 } }
  })
  for (const url of ['/hello', '/json']) {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const) {
      const res = await app.inject({ method, url, payload: method === 'OPTIONS' ? undefined : 'x' })
      t.equal(res.statusCode, 405, `${method} ${url}`)
      t.equal(res.headers.allow, 'GET, HEAD', `${method} ${url}`)
      t.equal(res.body, '', `${method} ${url}`)
      t.notOk(res.headers['content-type'], `${method} ${url}`)
    }
  }
})

test('serves static data below its path as well', async t => {
  const { app } = await build(t, { '/docs': ['text/plain', 'docs'] })
  t.equal((await app.inject('/docs/a/b?x=1')).body, 'docs')
  const post = await app.inject({ method: 'POST', url: '/docs/a' })
  t.equal(post.statusCode, 405)
  t.equal(post.headers.allow, 'GET, HEAD')
})
