// The page against a server in a child process: history on open, honest states while the
// server is frozen (SIGSTOP), and a gap, not a line, across a restart.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import t0, { test } from 'tap'
import { Client } from './support/app.ts'
import { launch, noBrowser, watchErrors, until } from './support/browser.ts'

t0.setTimeout(120_000)
const INTERVAL = 500
const fixture = fileURLToPath(new URL('./support/child-server.ts', import.meta.url))

async function start (port = 0): Promise<{ child: ChildProcess, port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], { env: { ...process.env, PORT: String(port), INTERVAL: String(INTERVAL) }, stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  for await (const chunk of child.stdout!) {
    out += String(chunk)
    const line = /^\{.*\}$/m.exec(out)?.[0]
    if (line !== undefined) return { child, port: (JSON.parse(line) as { port: number }).port }
  }
  throw new Error(`the child server ended before listening: ${out}`)
}

async function stop (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGCONT')
  child.kill('SIGTERM')
  await once(child, 'exit')
}

/** The frames a new client gets first: the server's history. */
async function historyLength (port: number): Promise<number> {
  const client = await new Client(`ws://127.0.0.1:${port}/stats`).open()
  const hello = JSON.parse(await client.next()) as { history: unknown[] }
  await client.close()
  return hello.history.length
}

test('the page opens with history, goes stale when the server freezes and live when it resumes, and shows a restart as a gap', { skip: noBrowser }, async t => {
  let server = await start()
  const { port } = server
  const browser = await launch()
  t.teardown(async () => {
    await browser.close()
    await stop(server.child)
  })

  // Charts open with history: the frames the server ticked before the page came.
  let held = 0
  for (let i = 0; i < 100 && held < 6; i++) {
    await new Promise(resolve => setTimeout(resolve, 100))
    held = await historyLength(port)
  }
  t.ok(held >= 6, `the server holds ${held} frames of history`)
  const page = await browser.newPage()
  const errors = watchErrors(page)
  await page.goto(`http://127.0.0.1:${port}/`)
  await page.waitForSelector('#feed-state[data-state="live"]', { timeout: 15_000 })
  await until(page, 'document.body.dataset.firstDraw !== undefined', 5000)
  t.ok(Number(await page.evaluate('document.body.dataset.firstDraw')) >= 6, 'the first drawing already has the history')
  t.ok(Number(await page.getAttribute('#chart-picked', 'data-points')) >= 6, 'and so do the charts')

  // Every state the badge shows from here on.
  await page.evaluate(`(() => {
    const el = document.getElementById('feed-state')
    window.states = []
    new MutationObserver(() => window.states.push(el.dataset.state)).observe(el, { attributes: true, attributeFilter: ['data-state'] })
  })()`)
  server.child.kill('SIGSTOP')
  await page.waitForSelector('#feed-state[data-state="stale"]', { timeout: 3000 })
  t.pass('stale within 3 s of SIGSTOP')
  server.child.kill('SIGCONT')
  await page.waitForSelector('#feed-state[data-state="live"]', { timeout: 15_000 })
  const states = await page.evaluate('window.states') as string[]
  // A tick late on a busy machine may show stale for a moment before the freeze; nothing else may appear.
  t.same(states.slice(-2), ['stale', 'live'], 'stale, then live after SIGCONT')
  t.same(states.filter(s => s !== 'stale' && s !== 'live'), [], 'and nothing in between: no reconnecting, offline or polling')

  // A restart: a new process on the same port after a few silent seconds.
  const killedAt = Date.now()
  await stop(server.child)
  await until(page, '["reconnecting", "offline"].includes(document.getElementById("feed-state").dataset.state)', 10_000)
  await new Promise(resolve => setTimeout(resolve, 3 * INTERVAL))
  const restartedAt = Date.now()
  server = await start(port)
  await until(page, `Number(document.body.dataset.lastFrame) > ${restartedAt}`, 30_000)
  await page.waitForSelector('#feed-state[data-state="live"]', { timeout: 15_000 })
  const gaps = JSON.parse(await page.evaluate('document.body.dataset.gaps') as string) as Array<[number, number]>
  t.ok(gaps.some(([from, to]) => from <= killedAt && to >= restartedAt), 'the outage is a gap (shaded) from the last frame before to the first after')
  t.ok(Number(await page.getAttribute('#chart-picked', 'data-null-points')) >= 1, 'the series hold a null point there: no line across it')
  const rows = await page.$$eval('#instances-body tr', trs => trs.map(tr => (tr as unknown as { dataset: Record<string, string> }).dataset.status))
  // The new process may be busy while it starts on a loaded machine.
  t.same(rows.map(s => s === 'busy' ? 'ok' : s).sort(), ['dead', 'ok'], `the old process shows as dead beside the new one (${rows.join(', ')})`)
  // The browser logs each refused connection of the restart; nothing else may appear.
  t.same(errors.filter(e => !e.includes('net::ERR_CONNECTION_REFUSED')), [], 'no console error but the refused connections')
})
