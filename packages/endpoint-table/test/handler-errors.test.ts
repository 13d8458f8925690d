import { test } from 'tap'
import { build, errors } from './helpers.ts'

const secret = 'database password is hunter2'

test('answers 500 with an empty body when the handler throws, and logs the error with its stack', async t => {
  const { app, logs } = await build(t, {
    '/throws': ['application/json', function throwingHandler () {
      throw new Error(secret)
    }]
  })
  const res = await app.inject('/throws')
  t.equal(res.statusCode, 500)
  t.equal(res.body, '')
  t.notOk(res.headers['content-type'])
  t.notMatch(JSON.stringify(res.headers), /hunter2/)
  const logged = errors(logs)
  t.equal(logged.length, 1, 'one error line')
  t.equal(logged[0]?.level, 50, 'at error level')
  t.equal(logged[0]?.err?.message, secret)
  t.match(logged[0]?.err?.stack, /throwingHandler/, 'the stack names the handler')
  t.ok(logged[0]?.reqId, 'the line carries the request id')
})

test('answers 500 with an empty body when the handler rejects, and logs the error with its stack', async t => {
  const { app, logs } = await build(t, {
    '/rejects': ['application/json', async function rejectingHandler () {
      await Promise.resolve()
      throw new TypeError(secret)
    }]
  })
  const res = await app.inject({ method: 'POST', url: '/rejects', payload: 'x' })
  t.equal(res.statusCode, 500)
  t.equal(res.body, '')
  t.notOk(res.headers['content-type'])
  const logged = errors(logs)
  t.equal(logged.length, 1)
  t.equal(logged[0]?.err?.type, 'TypeError')
  t.equal(logged[0]?.err?.message, secret)
  t.match(logged[0]?.err?.stack, /rejectingHandler/)
})

test('answers 500 when the handler rejects with something that is not an Error', async t => {
  const { app, logs } = await build(t, {
    '/string': ['text/plain', () => Promise.reject(secret)]
  })
  const res = await app.inject('/string')
  t.equal(res.statusCode, 500)
  t.equal(res.body, '')
  t.equal(errors(logs).length, 1)
})

test('answers 500 and not the endpoint MIME when the handler throws after writing headers that were not sent yet', async t => {
  const { app, logs } = await build(t, {
    '/half': ['text/plain', async (_h, stream) => {
      await stream.writeHeaders({ ':status': 200, 'content-type': 'text/x-own' })
      throw new Error(secret)
    }]
  })
  const res = await app.inject('/half')
  t.equal(res.statusCode, 500)
  t.equal(res.body, '')
  t.equal(errors(logs).length, 1)
})

test('answers 500 even when the thrown error carries a statusCode of its own', async t => {
  const { app, logs } = await build(t, {
    '/coded': ['text/plain', () => {
      throw Object.assign(new Error('not found, says the handler'), { statusCode: 404, code: 'E_MINE' })
    }]
  })
  const res = await app.inject('/coded')
  t.equal(res.statusCode, 500)
  t.equal(res.body, '')
  t.equal(errors(logs).length, 1)
})

test('keeps serving after a handler throws', async t => {
  let calls = 0
  const { app } = await build(t, {
    '/flaky': ['application/json', () => {
      if (++calls % 2 === 1) throw new Error('odd call')
      return { calls }
    }]
  })
  t.equal((await app.inject('/flaky')).statusCode, 500)
  const ok = await app.inject('/flaky')
  t.equal(ok.statusCode, 200)
  t.equal(ok.body, '{"calls":2}')
})
