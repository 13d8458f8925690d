import { test } from 'tap'
import { build } from './helpers.ts'
import type { FastifyRequest } from 'fastify'

test('logs through stream.log with the request id', async t => {
  const ids: string[] = []
  const { app, logs } = await build(t, {
    '/service': ['application/json', (h, stream) => {
      const m = h.get(':method')
      const path = h.get(':path')
      stream.log.info('method %s path %s', m, path)
      ids.push(stream.request.id)
      return { key: path, value: 42 }
    }]
  })
  await app.inject('/service?x=1')
  await app.inject({ method: 'POST', url: '/service/deeper' })
  const first = logs.find(line => line.msg === 'method GET path /service?x=1')
  const second = logs.find(line => line.msg === 'method POST path /service/deeper')
  t.ok(first, 'the first line is in the log, formatted')
  t.ok(second, 'the second line is in the log, formatted')
  t.equal(first?.level, 30, 'at info level')
  t.equal(first?.reqId, ids[0], 'with the id of its request')
  t.equal(second?.reqId, ids[1])
  t.not(ids[0], ids[1], 'each request has its own id')
  t.ok(logs.some(line => line.msg !== first?.msg && line.reqId === ids[0]), 'the same id as the other lines of that request')
})

test('logs one info line per request with method, path and status when logRequests is on', async t => {
  const { app, logs } = await build(t, { '/x': ['text/plain', () => 418] }, { logRequests: true })
  await app.inject({ method: 'DELETE', url: '/x/y?z' })
  const lines = logs.filter(line => line.msg === 'request')
  t.equal(lines.length, 1)
  t.match(lines[0], { level: 30, method: 'DELETE', path: '/x/y?z', status: 418, ms: Number })
})

test('adds no line of its own to Fastify\'s request lines by default', async t => {
  const { app, logs } = await build(t, { '/x': ['text/plain', () => 418] })
  await app.inject('/x')
  t.equal(logs.filter(line => line.msg === 'request').length, 0)
  t.ok(logs.some(line => line.msg === 'request completed'), 'Fastify logs the request itself')
})

test('gives the Fastify request and reply on the stream for those who want them', async t => {
  let seen: FastifyRequest | undefined
  const { app } = await build(t, {
    '/raw': ['application/json', (_h, stream) => {
      seen = stream.request
      stream.reply.header('x-through-reply', 'yes')
      return { url: stream.request.url, method: stream.request.method, query: stream.request.query }
    }]
  })
  const res = await app.inject({ method: 'PUT', url: '/raw/a?b=c' })
  t.equal(res.statusCode, 200)
  t.same(JSON.parse(res.body), { url: '/raw/a?b=c', method: 'PUT', query: { b: 'c' } })
  t.equal(res.headers['x-through-reply'], 'yes', 'a header set on the reply goes out')
  t.equal(typeof seen?.id, 'string')
})
