import { test } from 'tap'
import { build } from './helpers.ts'
import type { ServeHandler } from '../src/index.ts'

const handler: ServeHandler = h => ({ method: h.get(':method'), path: h.get(':path') })

test('serves the triplet form [mime, onServe]', async t => {
  const { app } = await build(t, { '/pair': ['application/json', handler] })
  const res = await app.inject({ method: 'POST', url: '/pair?q=1' })
  t.equal(res.statusCode, 200)
  t.equal(res.body, '{"method":"POST","path":"/pair?q=1"}')
  t.equal(res.headers['content-type'], 'application/json')
})

test('serves the triplet form [mime, onServe, onWebsocket, maxAge, anyOrigin]', async t => {
  const { app } = await build(t, { '/five': ['application/json', handler, null, 30, true] })
  const res = await app.inject({ method: 'PUT', url: '/five' })
  t.equal(res.statusCode, 200)
  t.equal(res.body, '{"method":"PUT","path":"/five"}')
  t.equal(res.headers['cache-control'], 'max-age=30')
  t.equal(res.headers['access-control-allow-origin'], '*')
})

test('serves the object form { mime, serve, maxAge, anyOrigin } as the triplet', async t => {
  const { app } = await build(t, {
    '/object': { mime: 'application/json', serve: handler, maxAge: 30, anyOrigin: true },
    '/triplet': ['application/json', handler, undefined, 30, true]
  })
  const object = await app.inject({ method: 'DELETE', url: '/object' })
  const triplet = await app.inject({ method: 'DELETE', url: '/triplet' })
  t.equal(object.statusCode, 200)
  t.equal(object.body, '{"method":"DELETE","path":"/object"}')
  for (const name of ['content-type', 'cache-control', 'access-control-allow-origin']) {
    t.equal(object.headers[name], triplet.headers[name], name)
  }
})

test('serves the object form without the optional fields', async t => {
  const { app } = await build(t, { '/bare': { mime: 'text/plain', serve: () => 'bare' } })
  const res = await app.inject('/bare')
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'bare')
  t.equal(res.headers['content-type'], 'text/plain')
  t.notOk(res.headers['cache-control'])
  t.notOk(res.headers['access-control-allow-origin'])
})

test('answers plain HTTP to a WebSocket-only endpoint with 404', async t => {
  const { app } = await build(t, { '/feed': { mime: 'application/json', websocket: async () => {} } })
  for (const method of ['GET', 'POST', 'HEAD'] as const) {
    const res = await app.inject({ method, url: '/feed' })
    t.equal(res.statusCode, 404, method)
    t.equal(res.body, '', method)
  }
})
