import { test } from 'tap'
import { build, deferred, settles } from './helpers.ts'

test('answers 503 with an empty body when the handler never resolves within handlerTimeout, and aborts its signal', async t => {
  const aborted = deferred<unknown>()
  const { app } = await build(t, {
    '/never': ['application/json', (_h, stream) => {
      stream.signal.addEventListener('abort', () => aborted.resolve(stream.signal.reason), { once: true })
      return new Promise<undefined>(() => {})
    }]
  }, { handlerTimeout: 200 })
  const res = await app.inject('/never')
  t.equal(res.statusCode, 503)
  t.equal(res.body, '')
  t.notOk(res.headers['content-type'])
  const reason = await settles(aborted.promise, 'the abort of the signal')
  t.match(reason, { code: 'FST_ERR_HANDLER_TIMEOUT' })
})

test('ignores what a handler returns after its timeout', async t => {
  const late = deferred<void>()
  const done = deferred<void>()
  const { app } = await build(t, {
    '/late': ['text/plain', async () => {
      await late.promise
      setImmediate(() => done.resolve())
      return 'too late'
    }],
    '/ping': ['text/plain', () => 'pong']
  }, { handlerTimeout: 200 })
  const res = await app.inject('/late')
  t.equal(res.statusCode, 503)
  late.resolve()
  await done.promise
  t.equal((await app.inject('/ping')).body, 'pong', 'the server goes on serving')
})

test('leaves a handler that resolves in time alone', async t => {
  const { app } = await build(t, {
    '/quick': ['text/plain', async () => 'in time']
  }, { handlerTimeout: 200 })
  const res = await app.inject('/quick')
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'in time')
})

test('refuses a handlerTimeout that is not a positive integer', async t => {
  for (const handlerTimeout of [0, -1, 1.5]) {
    await t.rejects(build(t, { '/x': ['text/plain', 'x'] }, { handlerTimeout }), { code: 'KINDS_ERR_OPTION', message: /handlerTimeout/ }, String(handlerTimeout))
  }
})
