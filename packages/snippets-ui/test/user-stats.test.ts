import { test } from 'tap'
import { build, getJson } from './support/app.ts'

test('app.stats.set makes a gauge and app.stats.add a counter, both in /stats', async t => {
  const { app, webmgmt } = await build(t)
  app.stats.set('queue.depth', 7)
  app.stats.add('jobs.done')
  app.stats.add('jobs.done', 4)
  app.stats.set('queue.depth', 3)
  const stats = await getJson(`${webmgmt}/stats`)
  t.equal(stats['queue.depth'], 3, 'a gauge holds the last value')
  t.equal(stats['jobs.done'], 5, 'a counter sums')
  t.equal(app.stats.get('jobs.done'), 5)
  t.equal(app.stats.snapshot()['queue.depth'], 3)
})

test('a user stat with { kind } is filed under that kind', async t => {
  const { app, webmgmt } = await build(t)
  app.stats.add('jobs.done', 2, { kind: 'api' })
  app.stats.set('workers', 4, { kind: 'api' })
  const stats = await getJson(`${webmgmt}/stats`)
  t.equal(stats['kind.api.jobs.done'], 2)
  t.equal(stats['kind.api.workers'], 4)
  t.equal(stats['jobs.done'], undefined, 'not under the bare key')
})

test('bad user stats are refused with a coded error that names the key', async t => {
  const { app } = await build(t)
  t.throws(() => app.stats.set('bad key', 1), { code: 'KINDS_ERR_STAT_KEY' })
  t.throws(() => app.stats.set('request.total', 1), { code: 'KINDS_ERR_STAT_KEY' }, 'built-in prefixes are reserved')
  t.throws(() => app.stats.set('x', Number.NaN), { code: 'KINDS_ERR_STAT_VALUE' })
  t.throws(() => app.stats.add('x', -1), { code: 'KINDS_ERR_STAT_VALUE', message: /only grows/ })
  app.stats.add('c')
  t.throws(() => app.stats.set('c', 1), { code: 'KINDS_ERR_STAT_VALUE', message: /counter/ })
  app.stats.set('g', 1)
  t.throws(() => app.stats.add('g'), { code: 'KINDS_ERR_STAT_VALUE', message: /gauge/ })
  t.throws(() => app.stats.add('c', 1, { kind: 'a b' }), { code: 'KINDS_ERR_STAT_KEY' })
})

test('bad plugin options are refused at register with the field named', async t => {
  const Fastify = (await import('fastify')).default
  const kindRouter = (await import('@kinds/kind-router')).default
  const snippetsUi = (await import('../src/index.ts')).default
  for (const [options, field] of [[{ namespace: '1x' }, 'namespace'], [{ title: 5 }, 'title'], [{ interval: 0 }, 'interval'], [{ registry: {} }, 'registry']] as const) {
    const app = Fastify()
    await app.register(kindRouter)
    await t.rejects(async () => { await app.register(snippetsUi, options as never) }, { code: 'KINDS_ERR_UI_OPTION', message: new RegExp(field) }, field)
    await app.close().catch(() => {})
  }
  const bare = Fastify()
  await t.rejects(async () => { await bare.register(snippetsUi) }, { code: 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED', message: /@kinds\/kind-router/ }, 'needs the kind router')
  await bare.close().catch(() => {})
})
