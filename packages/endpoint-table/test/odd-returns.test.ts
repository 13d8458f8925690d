import { test } from 'tap'
import { build, errors } from './helpers.ts'
import type { ServeHandler } from '../src/index.ts'

// Values outside the return-value table, each answered with 500 and a log line.
function odd (value: () => unknown): ServeHandler {
  return value as ServeHandler
}

const cases: Record<string, () => unknown> = {
  true: () => true,
  bigint: () => 10n,
  symbol: () => Symbol('x'),
  function: () => () => 1,
  'number 99': () => 99,
  'number 600': () => 600,
  'number 200.5': () => 200.5,
  NaN: () => Number.NaN,
  Infinity: () => Infinity,
  'a circular object': () => {
    const o: Record<string, unknown> = {}
    o.self = o
    return o
  },
  'an object holding a bigint': () => ({ n: 1n })
}

for (const [name, value] of Object.entries(cases)) {
  test(`answers 500 and logs when the handler returns ${name}`, async t => {
    const { app, logs } = await build(t, {
      '/sync': ['application/json', odd(value)],
      '/async': ['application/json', odd(async () => value())]
    })
    for (const url of ['/sync', '/async']) {
      const res = await app.inject(url)
      t.equal(res.statusCode, 500, url)
      t.equal(res.body, '', url)
      t.notOk(res.headers['content-type'], url)
    }
    t.equal(errors(logs).length, 2, 'one error line a request')
  })
}

test('answers 500 and logs when the handler returns false without writing', async t => {
  const { app, logs } = await build(t, {
    '/sync': ['text/plain', () => false],
    '/async': ['text/plain', async () => false as const]
  })
  for (const url of ['/sync', '/async']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 500, url)
    t.equal(res.body, '', url)
  }
  t.equal(errors(logs).length, 2)
})

test('names the endpoint and the value in the log line of an odd return', async t => {
  const { app, logs } = await build(t, {
    '/odd': ['text/plain', odd(() => true)]
  })
  await app.inject('/odd')
  const [line] = errors(logs)
  t.equal(line?.err?.message, 'Endpoint /odd: the handler returned boolean true, which is not a response')
})
