// runWorkers checks its options when it is called, before it forks anything, and names the field.
import { test } from 'tap'
import { runWorkers } from '@kinds/kind-router/cluster'

const cases: Array<[string, unknown, string]> = [
  ['workers 0', { workers: 0 }, 'workers'],
  ['workers 1.5', { workers: 1.5 }, 'workers'],
  ['workers from a bad environment variable', { workers: Number('two') }, 'workers'],
  ['a negative restartDelay', { restartDelay: -1 }, 'restartDelay'],
  ['a maxRestartDelay below restartDelay', { restartDelay: 500, maxRestartDelay: 100 }, 'maxRestartDelay'],
  ['timeout 0', { timeout: 0 }, 'timeout'],
  ['a gatherTimeout as a string', { gatherTimeout: '1000' }, 'gatherTimeout'],
  ['a log without warn', { log: { info () {}, error () {} } }, 'log'],
  ['options that are not an object', 'two', 'options']
]

for (const [what, options, field] of cases) {
  test(`runWorkers refuses ${what} with KINDS_ERR_WORKERS_OPTION naming ${field}`, async t => {
    await t.rejects(runWorkers(() => {}, options as Parameters<typeof runWorkers>[1]), { code: 'KINDS_ERR_WORKERS_OPTION', message: new RegExp(`option ${field}:`) })
  })
}

test('runWorkers refuses a setup that is not a function', async t => {
  await t.rejects(runWorkers('index.js' as unknown as () => void), { code: 'KINDS_ERR_WORKERS_OPTION', message: /option setup:/ })
})
