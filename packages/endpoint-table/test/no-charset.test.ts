import { test } from 'tap'
import { request } from 'undici'
import { build, listen } from './helpers.ts'
import { status } from '../src/index.ts'

test('sends the endpoint MIME as written, adding no charset, over a real socket', async t => {
  const { app } = await build(t, {
    '/json': ['application/json', () => ({ a: 'é' })],
    '/text': ['text/plain', () => 'é'],
    '/html': ['text/html', () => status(500, '<b>é</b>')],
    '/static': ['text/css', 'body{}'],
    '/dns': ['application/dns-message', () => Buffer.from([0, 1])]
  })
  const base = await listen(app)
  const expected: Record<string, string> = {
    '/json': 'application/json',
    '/text': 'text/plain',
    '/html': 'text/html',
    '/static': 'text/css',
    '/dns': 'application/dns-message'
  }
  for (const [path, mime] of Object.entries(expected)) {
    const res = await request(base + path)
    await res.body.dump()
    t.equal(res.headers['content-type'], mime, path)
  }
})

test('adds no JSON error body to any error status', async t => {
  const { app } = await build(t, {
    '/throws': ['application/json', () => { throw new Error('x') }],
    '/number': ['application/json', () => 503],
    '/json': ['application/json', async (_h, stream) => await stream.getBodyAsJson<Record<string, unknown>>()],
    '/static': ['application/json', { a: 1 }],
    '/never': ['application/json', () => new Promise<undefined>(() => {})]
  }, { handlerTimeout: 100 }, { bodyLimit: 8 })
  const base = await listen(app)
  const cases: Array<[string, 'GET' | 'POST', string | undefined, number]> = [
    ['/throws', 'GET', undefined, 500],
    ['/number', 'GET', undefined, 503],
    ['/json', 'POST', '{bad', 400],
    ['/json', 'POST', 'a body over the limit', 413],
    ['/static', 'POST', 'x', 405],
    ['/nowhere', 'GET', undefined, 404],
    ['/never', 'GET', undefined, 503]
  ]
  for (const [path, method, body, code] of cases) {
    const res = await request(base + path, { method, body, headers: { 'content-type': 'application/json' } })
    t.equal(res.statusCode, code, `${method} ${path}`)
    t.equal(await res.body.text(), '', `${method} ${path}: empty body`)
    t.notOk(res.headers['content-type'], `${method} ${path}: no content-type`)
  }
})
