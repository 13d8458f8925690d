import { test } from 'tap'
import { build } from './helpers.ts'

test('answers status N with an empty body when the handler returns a number N', async t => {
  const { app } = await build(t, {
    '/code': ['application/json', async h => Number(h.get(':path')!.split('=')[1])]
  })
  for (const code of [201, 202, 301, 400, 404, 405, 418, 500, 503]) {
    const res = await app.inject(`/code?n=${code}`)
    t.equal(res.statusCode, code, `status ${code}`)
    t.equal(res.body, '', `no body with ${code}`)
    t.notOk(res.headers['content-type'], `no content-type with ${code}`)
  }
})

test('answers 200 with an empty body when the handler returns the number 200', async t => {
  const { app } = await build(t, {
    '/ok': ['application/json', () => 200]
  })
  const res = await app.inject('/ok')
  t.equal(res.statusCode, 200)
  t.equal(res.body, '')
  t.notOk(res.headers['content-type'])
})

test('answers the number synchronously returned as well as the one resolved', async t => {
  const { app } = await build(t, {
    '/sync': ['text/plain', () => 409],
    '/async': ['text/plain', () => Promise.resolve(410)]
  })
  t.equal((await app.inject('/sync')).statusCode, 409)
  t.equal((await app.inject('/async')).statusCode, 410)
})
