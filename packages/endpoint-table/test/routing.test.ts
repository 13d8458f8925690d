import { test } from 'tap'
import { build } from './helpers.ts'
import type { EndpointTable, ServeHandler } from '../src/index.ts'

// Each endpoint answers with its own path, so a response tells which one served it.
const named = (name: string): ServeHandler => h => ({ endpoint: name, path: h.get(':path') })

function table (...paths: string[]): EndpointTable {
  return Object.fromEntries(paths.map(path => [path, ['application/json', named(path)]]))
}

async function servedBy (app: Awaited<ReturnType<typeof build>>['app'], url: string, method: 'GET' | 'POST' = 'GET'): Promise<string | number> {
  const res = await app.inject({ method, url })
  return res.statusCode === 200 ? (JSON.parse(res.body) as { endpoint: string }).endpoint : res.statusCode
}

test('serves a request with the endpoint of the same path', async t => {
  const { app } = await build(t, table('/service', '/health', '/a/b'))
  t.equal(await servedBy(app, '/service'), '/service')
  t.equal(await servedBy(app, '/health'), '/health')
  t.equal(await servedBy(app, '/a/b'), '/a/b')
})

test('serves a deeper path with the endpoint that is a prefix of it at a / boundary', async t => {
  const { app } = await build(t, table('/trace'))
  t.equal(await servedBy(app, '/trace/x/A'), '/trace')
  t.equal(await servedBy(app, '/trace/x'), '/trace')
  t.equal(await servedBy(app, '/trace/x/A', 'POST'), '/trace')
})

test('serves a deeper path with the longest endpoint that is a prefix of it', async t => {
  const { app } = await build(t, table('/trace', '/trace/x', '/trace/x/A/deep'))
  t.equal(await servedBy(app, '/trace/x/A'), '/trace/x')
  t.equal(await servedBy(app, '/trace/x'), '/trace/x')
  t.equal(await servedBy(app, '/trace/y'), '/trace')
  t.equal(await servedBy(app, '/trace/xy'), '/trace', '/trace/xy is not below /trace/x')
  t.equal(await servedBy(app, '/trace/x/A/deep/er'), '/trace/x/A/deep')
})

test('does not serve a path that merely starts with the same letters', async t => {
  const { app } = await build(t, table('/trace'))
  t.equal(await servedBy(app, '/tracex'), 404)
  t.equal(await servedBy(app, '/trac'), 404)
  t.equal(await servedBy(app, '/tracex/y'), 404)
})

test('serves /service?x=1 and /service/ with /service', async t => {
  const { app } = await build(t, table('/service'))
  t.equal(await servedBy(app, '/service?x=1'), '/service')
  t.equal(await servedBy(app, '/service/'), '/service')
  t.equal(await servedBy(app, '/service/?x=1'), '/service')
  const res = await app.inject('/service?x=1')
  t.equal(JSON.parse(res.body).path, '/service?x=1', 'the handler sees the query string')
})

test('serves only / and /?query with /', async t => {
  const { app } = await build(t, table('/', '/service'))
  t.equal(await servedBy(app, '/'), '/')
  t.equal(await servedBy(app, '/?q=1'), '/')
  t.equal(await servedBy(app, '/other'), 404)
  t.equal(await servedBy(app, '/other/deeper'), 404)
  t.equal(await servedBy(app, '/other', 'POST'), 404)
  t.equal(await servedBy(app, '/service/x'), '/service')
})

test('lets an endpoint ending in / own the paths below it', async t => {
  const { app } = await build(t, table('/files', '/files/'))
  t.equal(await servedBy(app, '/files'), '/files')
  t.equal(await servedBy(app, '/files/'), '/files/')
  t.equal(await servedBy(app, '/files/a.txt'), '/files/')
})

test('serves a path holding a colon as written, not as a parameter', async t => {
  const { app } = await build(t, table('/a:b'))
  t.equal(await servedBy(app, '/a:b'), '/a:b')
  t.equal(await servedBy(app, '/a:b/c'), '/a:b')
  t.equal(await servedBy(app, '/axyz'), 404)
})

test('serves paths case-sensitively', async t => {
  const { app } = await build(t, table('/Service'))
  t.equal(await servedBy(app, '/Service'), '/Service')
  t.equal(await servedBy(app, '/service'), 404)
})
