import { test, type Test } from 'tap'
import Fastify from 'fastify'
import endpointTable, { type EndpointTable } from '../src/index.ts'

/** Registers `endpoints` on a fresh app and gives the error that refused them. */
async function refusal (t: Pick<Test, 'teardown'>, endpoints: unknown): Promise<{ code?: string, message: string }> {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(endpointTable, { endpoints: endpoints as EndpointTable })
  try {
    await app.ready()
  } catch (err) {
    return err as { code?: string, message: string }
  }
  throw new Error('the table was accepted')
}

test('refuses a path that does not start with / and names it', async t => {
  const err = await refusal(t, { service: ['application/json', () => 1] })
  t.equal(err.code, 'KINDS_ERR_ENDPOINT_PATH')
  t.match(err.message, '"service"')
})

test('refuses an empty path', async t => {
  const err = await refusal(t, { '': ['text/plain', 'x'] })
  t.equal(err.code, 'KINDS_ERR_ENDPOINT_PATH')
})

test('refuses a handler that is not a function and names the path', async t => {
  const err = await refusal(t, { '/number': ['application/json', 42] })
  t.equal(err.code, 'KINDS_ERR_ENDPOINT_HANDLER')
  t.match(err.message, '/number')
  t.match(err.message, 'onServe')
  for (const serve of [true, null, undefined]) {
    const other = await refusal(t, { '/other': ['application/json', serve] })
    t.equal(other.code, 'KINDS_ERR_ENDPOINT_HANDLER', String(serve))
  }
})

test('refuses an onWebsocket that is not a function and names the path', async t => {
  const err = await refusal(t, { '/ws': ['application/json', () => 1, 'not a function'] })
  t.equal(err.code, 'KINDS_ERR_ENDPOINT_HANDLER')
  t.match(err.message, '/ws')
  t.match(err.message, 'onWebsocket')
})

test('refuses a MIME that is not a string and names the path', async t => {
  for (const endpoint of [[5, () => 1], [null, () => 1], { mime: ['application/json'], serve: () => 1 }]) {
    const err = await refusal(t, { '/mime': endpoint })
    t.equal(err.code, 'KINDS_ERR_ENDPOINT_MIME')
    t.match(err.message, '/mime')
  }
})

test('refuses a triplet of the wrong length and names the path', async t => {
  for (const endpoint of [[], ['text/plain'], ['text/plain', () => 1, null, 1, true, 'sixth']]) {
    const err = await refusal(t, { '/length': endpoint })
    t.equal(err.code, 'KINDS_ERR_ENDPOINT_SHAPE', `length ${endpoint.length}`)
    t.match(err.message, '/length')
    t.match(err.message, `got ${endpoint.length}`)
  }
})

test('refuses an endpoint that is neither a triplet nor an object and names the path', async t => {
  for (const endpoint of ['text/plain', 42, null]) {
    const err = await refusal(t, { '/shape': endpoint })
    t.equal(err.code, 'KINDS_ERR_ENDPOINT_SHAPE', String(endpoint))
    t.match(err.message, '/shape')
  }
})

test('refuses a bad maxAge or anyOrigin and names the path', async t => {
  for (const endpoint of [['text/plain', 'x', null, -1], ['text/plain', 'x', null, 1.5], ['text/plain', 'x', null, '60'], ['text/plain', 'x', null, null, 'yes']]) {
    const err = await refusal(t, { '/opts': endpoint })
    t.equal(err.code, 'KINDS_ERR_ENDPOINT_SHAPE', JSON.stringify(endpoint))
    t.match(err.message, '/opts')
  }
})

test('refuses a path holding a query, a fragment, a wildcard or white space', async t => {
  for (const path of ['/a?b', '/a#b', '/a*', '/a b', '/a\nb']) {
    const err = await refusal(t, { [path]: ['text/plain', 'x'] })
    t.equal(err.code, 'KINDS_ERR_ENDPOINT_SHAPE', JSON.stringify(path))
    t.match(err.message, path)
  }
})

test('refuses a MIME holding a line break', async t => {
  const err = await refusal(t, { '/crlf': ['text/plain\r\nx-evil: 1', 'x'] })
  t.equal(err.code, 'KINDS_ERR_ENDPOINT_SHAPE')
  t.match(err.message, '/crlf')
})

test('refuses a table that is not an object', async t => {
  for (const endpoints of [undefined, null, [], 'x']) {
    const err = await refusal(t, endpoints)
    t.equal(err.code, 'KINDS_ERR_ENDPOINT_SHAPE', String(endpoints))
  }
})
