import { test } from 'tap'
import { request } from 'undici'
import { build, listen, port } from './helpers.ts'
import type { RequestHeaders } from '../src/index.ts'

function pseudo (h: RequestHeaders): Record<string, string | undefined> {
  return {
    method: h.get(':method'),
    path: h.get(':path'),
    authority: h.get(':authority'),
    scheme: h.get(':scheme')
  }
}

test('gives the method, the path with its query string, the authority and the scheme as pseudo-headers', async t => {
  const { app } = await build(t, { '/echo': ['application/json', h => pseudo(h)] })
  const base = await listen(app)
  const res = await request(`${base}/echo/deeper?x=1&y=%20z`, { method: 'PATCH', body: '' })
  t.equal(res.statusCode, 200)
  t.same(await res.body.json(), {
    method: 'PATCH',
    path: '/echo/deeper?x=1&y=%20z',
    authority: `127.0.0.1:${port(app)}`,
    scheme: 'http'
  })
})

test('gives the pseudo-headers through inject as well', async t => {
  const { app } = await build(t, { '/echo': ['application/json', h => pseudo(h)] })
  const res = await app.inject({ method: 'OPTIONS', url: '/echo?q', headers: { host: 'example.test:8453' } })
  t.same(JSON.parse(res.body), { method: 'OPTIONS', path: '/echo?q', authority: 'example.test:8453', scheme: 'http' })
})

test('gives content-type and any other header by its name in any case', async t => {
  const { app } = await build(t, {
    '/h': ['application/json', h => ({
      lower: h.get('content-type'),
      upper: h.get('CONTENT-TYPE'),
      mixed: h.get('Content-Type'),
      custom: h.get('X-Custom-Thing'),
      missing: h.get('x-not-sent') ?? 'none',
      pseudoUpper: h.get(':METHOD')
    })]
  })
  const res = await app.inject({
    method: 'POST',
    url: '/h',
    headers: { 'Content-Type': 'application/dns-message', 'x-custom-thing': 'value' },
    payload: 'x'
  })
  t.same(JSON.parse(res.body), {
    lower: 'application/dns-message',
    upper: 'application/dns-message',
    mixed: 'application/dns-message',
    custom: 'value',
    missing: 'none',
    pseudoUpper: 'POST'
  })
})

test('tells with has() whether a header or pseudo-header is there', async t => {
  const { app } = await build(t, {
    '/has': ['application/json', h => [h.has('X-Present'), h.has('x-absent'), h.has(':method'), h.has(':path'), h.has(':nonsense')]]
  })
  const res = await app.inject({ url: '/has', headers: { 'x-present': '' } })
  t.equal(res.body, '[true,false,true,true,false]')
})

test('iterates over the pseudo-headers first, then the headers as received', async t => {
  const { app } = await build(t, { '/all': ['application/json', h => [...h]] })
  const base = await listen(app)
  const res = await request(`${base}/all?a=b`, { headers: { 'X-One': '1', 'x-two': '2' } })
  const pairs = await res.body.json() as Array<[string, string]>
  t.same(pairs.slice(0, 4), [
    [':method', 'GET'],
    [':path', '/all?a=b'],
    [':authority', `127.0.0.1:${port(app)}`],
    [':scheme', 'http']
  ])
  const rest = new Map(pairs.slice(4))
  t.equal(rest.get('x-one'), '1', 'names are lower-case')
  t.equal(rest.get('x-two'), '2')
  t.equal(rest.get('host'), `127.0.0.1:${port(app)}`)
  t.notOk(pairs.slice(4).some(([name]) => name.startsWith(':')), 'no pseudo-header twice')
})

test('joins the values of a header sent twice with a comma', async t => {
  const { app } = await build(t, { '/twice': ['text/plain', h => h.get('x-many') ?? 'none'] })
  const base = await listen(app)
  const res = await request(`${base}/twice`, { headers: { 'x-many': ['a', 'b'] } })
  t.equal(await res.body.text(), 'a, b')
})
