// The page with auth on, in a real browser (Debian's chromium through playwright-core): the
// token's way in, the live feed through the cookie, a snippet's script under the CSP, and an
// upgrade from another origin refused.
import { existsSync } from 'node:fs'
import t0, { test, type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import kindRouter, { type AuthConfig } from '@kinds/kind-router'
import snippetsUi from '../src/index.ts'
import { until } from './support/browser.ts'

const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent: apt-get install chromium`
t0.setTimeout(180_000)

interface Log { msg: string, origin?: string, [key: string]: unknown }

async function serve (t: Test, auth: AuthConfig): Promise<{ app: FastifyInstance, base: string, port: number, logs: Log[] }> {
  const logs: Log[] = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line) as Log) } } } })
  await app.register(kindRouter, { socketActivation: false })
  await app.register(snippetsUi, { name: 'kinds' })
  const endpoints = app.http.configs._builtin.webmgmt!.endpoints!
  endpoints['/service'] = ['application/json', () => ({ value: 42 })]
  await app.http.config({ endpoints, auth }, 'webmgmt')
  app.http.snippets['/service'] = ['Service value', '<p id="svc">loading</p><script>fetch("service").then(r => r.json()).then(d => { document.getElementById("svc").textContent = "value " + d.value })</script>']
  const [w] = await app.net.listen('127.0.0.1', 0, { kind: 'webmgmt' })
  t.teardown(async () => {
    for (const l of app.net.list()) if (l.address !== undefined) await app.net.close(l.address, l.port).catch(() => {})
    await app.close()
  })
  return { app, base: `http://127.0.0.1:${w!.port!}`, port: w!.port!, logs }
}

test('with a bearer token the page opens through /?token= once: live feed over the cookie, snippet script under the CSP, evil origin refused', { skip }, async t => {
  const { chromium } = await import('playwright-core')
  const { base, port, logs } = await serve(t, { token: 'browser-token' })
  // Chromium's own local-network checks would stop the evil page first (an attacker's page on a
  // public address, or DNS rebinding, gets past them): turned off, so the server's check is what is seen.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests'] })
  t.teardown(() => browser.close())

  const stranger = await browser.newPage()
  const refused = await stranger.goto(`${base}/`)
  t.equal(refused?.status(), 401, 'without the token the page is 401')
  await stranger.close()

  const page = await browser.newPage()
  const errors: string[] = []
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()) })
  page.on('pageerror', e => errors.push(e.message))
  await page.goto(`${base}/?token=browser-token`)
  t.equal(page.url(), `${base}/`, 'the token left the address bar (303 to the page)')
  const cookies = await page.context().cookies()
  t.match(cookies, [{ name: 'kinds_auth_webmgmt', httpOnly: true, sameSite: 'Strict' }], 'an HttpOnly SameSite=Strict cookie holds it')
  t.equal(await page.evaluate('document.cookie'), '', 'the page\'s scripts cannot read it')

  await page.waitForSelector('#feed-state[data-state="live"]', { timeout: 20_000 })
  t.pass('the live feed is on: the WebSocket upgrade was authorised by the cookie')
  const frames = Number(await page.evaluate('document.body.dataset.lastFrame ?? 0'))
  await until(page, `Number(document.body.dataset.lastFrame ?? 0) > ${frames}`, 20_000)
  t.pass('and frames keep arriving')

  await until(page, 'document.getElementById("svc")?.textContent === "value 42"', 10_000)
  t.pass('the snippet\'s inline script ran under the CSP (it has the nonce) and its fetch was authorised')
  t.same(errors, [], 'no CSP violation nor any other console error')

  const injected = await page.evaluate(`new Promise(resolve => {
    const s = document.createElement('script')
    s.textContent = 'window.injected = true'
    document.body.appendChild(s)
    setTimeout(() => resolve(window.injected === true), 200)
  })`)
  t.equal(injected, false, 'an inline script without the nonce is blocked by the CSP')

  // A page on another origin opens the feed through the operator's browser.
  // Over wss: an https page may not open ws:// (mixed content); the kind speaks TLS on the same port.
  const evil = await browser.newPage({ ignoreHTTPSErrors: true })
  evil.on('console', m => t.comment(`evil page: ${m.text()}`))
  await evil.route('https://evil.example/', route => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><script>
      const ws = new WebSocket('wss://127.0.0.1:${port}/stats')
      ws.onopen = () => { document.title = 'opened' }
      ws.onclose = () => { if (document.title !== 'opened') document.title = 'refused' }
    </script>`
  }))
  await evil.goto('https://evil.example/')
  await until(evil, 'document.title !== ""', 10_000)
  t.equal(await evil.title(), 'refused', 'the evil page\'s WebSocket never opens')
  const line = logs.find(l => l.msg === 'websocket origin refused')
  t.equal(line?.origin, 'https://evil.example', 'the server refused it for its Origin (403), and logged it')
})

test('with basic credentials the browser\'s own credentials open the page and its live feed', { skip }, async t => {
  const { chromium } = await import('playwright-core')
  const { base } = await serve(t, { user: 'ops', password: 'pw' })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  t.teardown(() => browser.close())
  const context = await browser.newContext({ httpCredentials: { username: 'ops', password: 'pw' } })
  const page = await context.newPage()
  const res = await page.goto(`${base}/`)
  t.equal(res?.status(), 200, 'the page opens with the credentials')
  await page.waitForSelector('#feed-state[data-state="live"]', { timeout: 20_000 })
  t.pass('the live feed is on: the browser sent them on the upgrade too')
})
