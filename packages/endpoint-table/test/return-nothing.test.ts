import { test } from 'tap'
import { build, errors } from './helpers.ts'

test('returns 204 when the handler returns nothing', async t => {
  const { app, logs } = await build(t, {
    '/sync': ['application/json', () => {}],
    '/async': ['application/json', async () => {}],
    '/undefined': ['application/json', () => undefined]
  })
  for (const url of ['/sync', '/async', '/undefined']) {
    const res = await app.inject({ method: 'POST', url, payload: '7' })
    t.equal(res.statusCode, 204, url)
    t.equal(res.body, '', url)
    t.notOk(res.headers['content-type'], url)
  }
  t.same(errors(logs), [])
})

test('returns 204 when the handler returns null', async t => {
  const { app } = await build(t, {
    '/null': ['application/json', () => null],
    '/later': ['application/json', async () => null]
  })
  for (const url of ['/null', '/later']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 204, url)
    t.equal(res.body, '', url)
    t.notOk(res.headers['content-type'], url)
  }
})
