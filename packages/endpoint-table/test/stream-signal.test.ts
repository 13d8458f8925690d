import { test } from 'tap'
import { request } from 'undici'
import { build, connect, deferred, errors, listen, settles } from './helpers.ts'

test('aborts the signal when the client disconnects mid-handler', async t => {
  const started = deferred<boolean>()
  const aborted = deferred<boolean>()
  const { app, logs } = await build(t, {
    '/slow': ['text/plain', async (_h, stream) => {
      started.resolve(stream.signal.aborted)
      await new Promise(resolve => stream.signal.addEventListener('abort', resolve, { once: true }))
      aborted.resolve(stream.signal.aborted)
      return 'too late'
    }],
    '/ping': ['text/plain', 'pong']
  })
  const base = await listen(app)
  const socket = await connect(app)
  socket.write('GET /slow HTTP/1.1\r\nhost: x\r\n\r\n')
  t.equal(await settles(started.promise, 'the handler start'), false, 'not aborted while the client is there')
  socket.destroy()
  t.equal(await settles(aborted.promise, 'the abort'), true, 'aborted once the client is gone')
  const after = await request(`${base}/ping`)
  t.equal(await after.body.text(), 'pong', 'the server goes on serving')
  t.same(errors(logs), [], 'a vanished client is not an error of the server')
})

test('does not abort the signal while the client waits for the answer to a request with a body', async t => {
  const { app } = await build(t, {
    '/post': ['application/json', async (_h, stream) => {
      const body = await stream.getBodyAsString()
      await new Promise(resolve => setTimeout(resolve, 20))
      return { body, aborted: stream.signal.aborted }
    }]
  })
  const base = await listen(app)
  const res = await request(`${base}/post`, { method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } })
  t.same(await res.body.json(), { body: 'payload', aborted: false })
})

test('gives an AbortSignal through inject as well', async t => {
  const { app } = await build(t, {
    '/sig': ['application/json', (_h, stream) => ({ isSignal: stream.signal instanceof AbortSignal, aborted: stream.signal.aborted })]
  })
  t.equal((await app.inject('/sig')).body, '{"isSignal":true,"aborted":false}')
})
