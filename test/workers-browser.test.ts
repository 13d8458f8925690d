// The page of an app in two workers, in chromium: the Instances table has a row for each worker,
// a killed worker's row turns dead, and the worker restarted in its place replaces it.
import t, { test } from 'tap'
import { startChild } from '../packages/kind-router/test/support/child.ts'
import { launch, noBrowser, until, watchErrors } from '../packages/snippets-ui/test/support/browser.ts'

t.setTimeout(120_000)

test('the Instances table shows both workers, a killed one dead, then its replacement', { skip: noBrowser }, async t => {
  const child = startChild(t, process.execPath, ['--import', 'tsx', 'test/fixtures/workers-app.ts'], { WORKERS: '2', RESTART_DELAY: '3000', INTERVAL: '500' })
  await child.line(() => child.lines.filter(l => typeof l.worker === 'number').length >= 2, '2 workers listening', 60_000)
  const lines = child.lines.filter(l => typeof l.worker === 'number')
  const [victim, survivor] = lines.map(l => l.worker as number) as [number, number]
  const browser = await launch()
  t.teardown(() => browser.close())
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
  const errors = watchErrors(page)
  await page.goto(`http://127.0.0.1:${lines[0]!.webmgmt as number}/`)

  const rows = 'document.querySelectorAll(\'#instances-body tr[data-pid]\')'
  const state = (pid: number): string => `document.querySelector('#instances-body tr[data-pid="${pid}"]')?.dataset.status`
  await until(page, `${rows}.length === 2 && ${state(victim)} === 'ok' && ${state(survivor)} === 'ok'`, 20_000)
  t.pass('two rows, both ok')
  const pids = await page.$$eval('#instances-body tr[data-pid]', trs => trs.map(tr => Number(tr.getAttribute('data-pid'))))
  t.same(pids.sort(), [victim, survivor].sort(), 'one row a worker, by pid')

  process.kill(victim, 'SIGKILL')
  await until(page, `${state(victim)} === 'dead'`, 20_000)
  t.pass('the killed worker\'s row shows dead')
  // The survivor keeps its row and its figures. It may read busy for a moment on a loaded machine
  // (its event loop held up for over 100 ms, or its answer late): that is true, and not dead.
  t.match(await page.evaluate(`${state(survivor)}`), /^(ok|busy)$/, 'the other stays up (ok, or busy under load), not dead')
  await until(page, `${rows}.length === 2 && ${state(victim)} === undefined && [...${rows}].every(tr => tr.dataset.status === 'ok')`, 30_000)
  const after = await page.$$eval('#instances-body tr[data-pid]', trs => trs.map(tr => Number(tr.getAttribute('data-pid'))))
  t.ok(after.includes(survivor) && !after.includes(victim), `the restarted worker's row (${after.join(', ')}) took the dead one's place`)
  t.same(errors, [], 'no error in the page')
  child.process.kill('SIGTERM')
  await child.exited
})
