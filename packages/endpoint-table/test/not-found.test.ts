import { test } from 'tap'
import { request } from 'undici'
import { build, listen } from './helpers.ts'

const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const

test('answers 404 with an empty body to an unknown path, whatever the method', async t => {
  const { app } = await build(t, { '/service': ['application/json', () => ({ a: 1 })] })
  for (const method of methods) {
    const res = await app.inject({ method, url: '/nowhere', payload: method === 'GET' || method === 'OPTIONS' ? undefined : 'x' })
    t.equal(res.statusCode, 404, method)
    t.equal(res.body, '', method)
    t.notOk(res.headers['content-type'], method)
  }
})

test('answers 404 over a real socket with an empty body and no content-type', async t => {
  const { app } = await build(t, { '/service': ['application/json', () => ({ a: 1 })] })
  const base = await listen(app)
  for (const method of ['GET', 'POST', 'DELETE'] as const) {
    const res = await request(`${base}/nowhere/at/all?x=1`, { method, body: method === 'GET' ? undefined : 'x' })
    t.equal(res.statusCode, 404, method)
    t.equal(await res.body.text(), '', method)
    t.notOk(res.headers['content-type'], method)
  }
})

test('answers 404 to every path of an empty table', async t => {
  const { app } = await build(t, {})
  for (const url of ['/', '/x', '/?q']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 404, url)
    t.equal(res.body, '', url)
  }
})

test('answers HEAD to an unknown path with 404 and no body', async t => {
  const { app } = await build(t, { '/service': ['text/plain', 'x'] })
  const res = await app.inject({ method: 'HEAD', url: '/nowhere' })
  t.equal(res.statusCode, 404)
  t.equal(res.body, '')
})
