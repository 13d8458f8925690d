// The page in a real browser: Debian's chromium driven by playwright-core, over HTTPS with the ephemeral certificate.
import type { Browser } from 'playwright-core'
import t0, { test } from 'tap'
import Fastify from 'fastify'
import kindRouter from '@kinds/kind-router'
import { Agent, request } from 'undici'
import snippetsUi from '../src/index.ts'
import { until } from './support/browser.ts'
import { apiEndpoints } from './support/app.ts'
import { launch, noBrowser, watchErrors } from './support/browser.ts'

// A browser on a busy machine needs more than the suite's 60 s.
t0.setTimeout(180_000)
// One browser for the file.
let browser: Browser | undefined
const open = async (): Promise<Browser> => (browser ??= await launch())
t0.teardown(async () => { await browser?.close() })

test('the management page in chromium: live charts, instances, snippets, Modules menu, recovery', { skip: noBrowser }, async t => {
  const app = Fastify({ logger: false })
  await app.register(kindRouter)
  await app.register(snippetsUi, { name: 'kinds' })
  const endpoints = app.http.configs._builtin.webmgmt!.endpoints!
  endpoints['/service'] = ['application/json', () => ({ value: 42 })]
  endpoints['/health'] = apiEndpoints['/ok']!
  await app.http.config({ endpoints, tls: true }, 'webmgmt')
  await app.http.config({ endpoints: apiEndpoints }, 'api')
  app.http.snippets['/health'] = ['Health service', '<p>UP!</p>']
  app.http.snippets['/service'] = ['Service value', '<p id="svc">loading</p><script>fetch("service").then(r => r.json()).then(d => { document.getElementById("svc").textContent = "value " + d.value })</script>']
  const [w] = await app.net.listen('127.0.0.1', 0, { kind: 'webmgmt' })
  const [a] = await app.net.listen('127.0.0.1', 0, { kind: 'api' })
  const port = w!.port!
  const base = `https://127.0.0.1:${port}/`
  const page = await (await open()).newPage({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 900 } })
  t.teardown(async () => {
    await page.close()
    for (const l of app.net.list()) if (l.address !== undefined) await app.net.close(l.address, l.port).catch(() => {})
    await app.close()
  })
  const errors = watchErrors(page)

  await page.goto(base)
  await page.waitForSelector('#feed-state[data-state="live"]', { timeout: 15_000 })
  t.pass('the WebSocket feed is live over wss with the ephemeral certificate')

  // Traffic on the api kind while the chart draws.
  const traffic = new AbortController()
  const agent = new Agent({ connect: { rejectUnauthorized: false } })
  const load = (async () => {
    while (!traffic.signal.aborted) await request(`http://127.0.0.1:${a!.port}/ok`, { dispatcher: agent }).then(r => r.body.dump(), () => {})
  })()
  const pointsAt = async (): Promise<number> => Number(await page.getAttribute('#chart-kinds', 'data-points') ?? 0)
  const start = await pointsAt()
  // Page-side predicates are strings: the tests' type check has no DOM library.
  await until(page, `Number(document.querySelector('#chart-kinds')?.dataset.points ?? 0) >= ${start + 3}`, 20_000)
  await page.waitForSelector('#chart-kinds .u-legend :text("api")', { timeout: 10_000 })
  traffic.abort()
  await load
  t.ok(await pointsAt() >= start + 3, 'the chart gained points while traffic was sent')

  const pidCell = await page.textContent(`#instances-body tr[data-pid="${process.pid}"] td.pid`)
  t.equal(pidCell, String(process.pid), 'the instances table shows this process\'s PID')

  await until(page, 'document.getElementById("svc")?.textContent === "value 42"', 10_000)
  t.pass('the snippet\'s script called the REST endpoint and rendered its result')
  t.equal(await page.textContent('#service-value h2'), 'Service value')

  await page.click('#modules-menu summary')
  const link = page.locator('#modules-menu a[href="#service-value"]')
  t.equal(await link.textContent(), 'Service value', 'the Modules menu links to the snippet')
  await link.click()
  t.equal(new URL(page.url()).hash, '#service-value')
  await until(page, 'document.activeElement?.id === "service-value"', 10_000)
  t.pass('the chosen module has the focus')
  t.notOk(await page.evaluate('document.getElementById("modules-menu").open'), 'and the menu closed')
  t.same(errors, [], 'no console error while loading and running')

  // The listener goes away and comes back on the same port: the page finds its feed again.
  await app.net.close('127.0.0.1', port)
  await until(page, 'document.getElementById("feed-state")?.dataset.state !== "live"', 15_000)
  t.pass('the page notices the feed is gone')
  const lastBefore = Number(await page.evaluate('document.body.dataset.lastFrame'))
  await app.net.listen('127.0.0.1', port, { kind: 'webmgmt' })
  await until(page, `Number(document.body.dataset.lastFrame) > ${lastBefore}`, 30_000)
  t.pass('frames flow again after the listener is back')
  await page.waitForSelector('#feed-state[data-state="live"]', { timeout: 30_000 })
  t.pass('and the WebSocket is live again')
})

test('the page falls back to polling /stats when its WebSocket cannot open', { skip: noBrowser }, async t => {
  const app = Fastify({ logger: false })
  await app.register(kindRouter)
  await app.register(snippetsUi)
  // A proxy that does not pass upgrades, played by a hook that refuses them.
  await app.http.config({
    tls: true,
    setup: instance => {
      instance.addHook('onRequest', async (request, reply) => {
        if (request.headers.upgrade !== undefined) await reply.code(403).send()
      })
    }
  }, 'webmgmt')
  const [w] = await app.net.listen('127.0.0.1', 0, { kind: 'webmgmt' })
  const page = await (await open()).newPage({ ignoreHTTPSErrors: true })
  t.teardown(async () => {
    await page.close()
    for (const l of app.net.list()) if (l.address !== undefined) await app.net.close(l.address, l.port).catch(() => {})
    await app.close()
  })
  await page.goto(`https://127.0.0.1:${w!.port}/`)
  await page.waitForSelector('#feed-state[data-state="polling"]', { timeout: 20_000 })
  t.pass('the page says it is polling')
  const first = Number(await page.evaluate('document.body.dataset.lastFrame ?? 0'))
  await until(page, `Number(document.body.dataset.lastFrame ?? 0) > ${first}`, 20_000)
  t.pass('and frames keep coming from /stats?feed')
  t.equal(await page.textContent(`#instances-body tr[data-pid="${process.pid}"] td.pid`), String(process.pid), 'the instances table fills from polls')
  t.ok(Number(await page.getAttribute('#chart-picked', 'data-points')) >= 1, 'and the charts draw')
})

test('the page works under a Content Security Policy without unsafe-inline', { skip: noBrowser }, async t => {
  const app = Fastify({ logger: false })
  await app.register(kindRouter)
  await app.register(snippetsUi, { interval: 250 })
  const csp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'"
  await app.http.config({
    setup: instance => {
      instance.addHook('onSend', async (_request, reply) => { reply.header('content-security-policy', csp) })
    }
  }, 'webmgmt')
  const [w] = await app.net.listen('127.0.0.1', 0, { kind: 'webmgmt' })
  const page = await (await open()).newPage({ viewport: { width: 1200, height: 800 } })
  t.teardown(async () => {
    await page.close()
    for (const l of app.net.list()) if (l.address !== undefined) await app.net.close(l.address, l.port).catch(() => {})
    await app.close()
  })
  const errors = watchErrors(page)
  const response = await page.goto(`http://127.0.0.1:${w!.port}/`)
  t.equal(response?.headers()['content-security-policy'], csp, 'the page is served with the policy')
  await page.waitForSelector('#feed-state[data-state="live"]', { timeout: 15_000 })
  await page.waitForSelector('#chart-picked .uplot', { timeout: 10_000 })
  await page.waitForSelector(`#instances-body tr[data-pid="${process.pid}"]`)
  t.pass('the feed is live, the charts and the instances are drawn')
  t.same(errors, [], 'and nothing was refused by the policy')
})
