import { test } from 'tap'
import { build } from './helpers.ts'
import { headers, status } from '../src/index.ts'

test('gives every kind of 200 cache-control: max-age=N and access-control-allow-origin: *', async t => {
  const { app } = await build(t, {
    '/object': ['application/json', () => ({ a: 1 }), null, 120, true],
    '/string': ['text/plain', () => 'text', null, 120, true],
    '/bytes': ['application/octet-stream', () => Buffer.from('b'), null, 120, true],
    '/status': ['text/plain', () => status(200, 'ok'), null, 120, true],
    '/number': ['text/plain', () => 200, null, 120, true],
    '/static': ['text/plain', 'static', null, 120, true],
    '/object-form': { mime: 'text/plain', serve: () => 'o', maxAge: 120, anyOrigin: true }
  })
  for (const url of ['/object', '/string', '/bytes', '/status', '/number', '/static', '/object-form']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 200, url)
    t.equal(res.headers['cache-control'], 'max-age=120', url)
    t.equal(res.headers['access-control-allow-origin'], '*', url)
  }
})

test('gives max-age=0 when maxAge is 0', async t => {
  const { app } = await build(t, { '/zero': ['text/plain', () => 'z', null, 0] })
  t.equal((await app.inject('/zero')).headers['cache-control'], 'max-age=0')
})

test('adds neither header to a response that is not a 200', async t => {
  const { app } = await build(t, {
    '/created': ['text/plain', () => status(201, 'made'), null, 120, true],
    '/number': ['text/plain', () => 404, null, 120, true],
    '/nothing': ['text/plain', () => undefined, null, 120, true],
    '/throws': ['text/plain', () => { throw new Error('no') }, null, 120, true],
    '/static': ['text/plain', 'static', null, 120, true],
    '/own': ['text/plain', async (_h, stream) => {
      await stream.writeHeaders(headers.new().append(':status', 200).append('content-type', 'text/x'), false)
      await stream.writeChunk('mine', true)
      return false as const
    }, null, 120, true]
  })
  const cases: Array<[string, 'GET' | 'POST', number]> = [
    ['/created', 'GET', 201],
    ['/number', 'GET', 404],
    ['/nothing', 'GET', 204],
    ['/throws', 'GET', 500],
    ['/static', 'POST', 405],
    ['/own', 'GET', 200]
  ]
  for (const [url, method, code] of cases) {
    const res = await app.inject({ method, url })
    t.equal(res.statusCode, code, url)
    t.notOk(res.headers['cache-control'], `${url}: no cache-control`)
    t.notOk(res.headers['access-control-allow-origin'], `${url}: no access-control-allow-origin`)
  }
})

test('adds neither header when the endpoint does not ask for them', async t => {
  const { app } = await build(t, {
    '/plain': ['text/plain', () => 'p'],
    '/no': ['text/plain', () => 'n', null, null, false]
  })
  for (const url of ['/plain', '/no']) {
    const res = await app.inject(url)
    t.notOk(res.headers['cache-control'], url)
    t.notOk(res.headers['access-control-allow-origin'], url)
  }
})
