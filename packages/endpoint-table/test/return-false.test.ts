import { test } from 'tap'
import { build, errors } from './helpers.ts'
import { headers } from '../src/index.ts'

test('adds nothing when the handler returns false after writing headers and body', async t => {
  const { app, logs } = await build(t, {
    '/own': ['application/json', async (_h, stream) => {
      const hsend = headers.new()
      hsend.append(':status', '202')
      hsend.append('content-type', 'binary/octet-stream')
      hsend.append('x-mine', 'yes')
      await stream.writeHeaders(hsend, false)
      await stream.writeChunk('part one, ')
      await stream.writeChunk('part two', true)
      return false as const
    }, null, 60, true]
  })
  const res = await app.inject('/own')
  t.equal(res.statusCode, 202)
  t.equal(res.body, 'part one, part two')
  t.equal(res.headers['content-type'], 'binary/octet-stream', 'not the endpoint MIME')
  t.equal(res.headers['x-mine'], 'yes')
  t.notOk(res.headers['cache-control'], 'no max-age added')
  t.notOk(res.headers['access-control-allow-origin'], 'no any-origin added')
  t.same(errors(logs), [])
})

test('adds nothing when the handler returns false after writing headers that end the stream', async t => {
  const { app, logs } = await build(t, {
    '/moved': ['text/plain', async (_h, stream) => {
      await stream.writeHeaders({ ':status': 301, location: '/elsewhere' }, true)
      return false as const
    }]
  })
  const res = await app.inject('/moved')
  t.equal(res.statusCode, 301)
  t.equal(res.headers.location, '/elsewhere')
  t.equal(res.body, '')
  t.notOk(res.headers['content-type'])
  t.same(errors(logs), [])
})

test('answers 500 and logs when the handler returns false without writing anything', async t => {
  const { app, logs } = await build(t, {
    '/lies': ['text/plain', () => false]
  })
  const res = await app.inject('/lies')
  t.equal(res.statusCode, 500)
  t.equal(res.body, '')
  t.notOk(res.headers['content-type'])
  const logged = errors(logs)
  t.equal(logged.length, 1)
  t.match(logged[0], { msg: /false/, path: '/lies' })
})
