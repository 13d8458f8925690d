// The page at scale (20 kinds, 30 snippets, long paths) on a desktop, a phone and in the dark:
// screenshots, no horizontal overflow, axe-core, the picker, the menus.
import { copyFile, mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import t0, { test } from 'tap'
import Fastify from 'fastify'
import kindRouter from '@kinds/kind-router'
import { sleep, type EndpointTable } from '@kinds/endpoint-table'
import { Agent, request } from 'undici'
import snippetsUi from '../src/index.ts'
import { axe, launch, noBrowser, overflow, watchErrors, until } from './support/browser.ts'

const shots = fileURLToPath(new URL('../../../.tap/', import.meta.url))
// docs/webmgmt.png, the README's picture, is refreshed on demand: WEBMGMT_SCREENSHOT=docs.
const readme = fileURLToPath(new URL('../../../docs/webmgmt.png', import.meta.url))
const KINDS = 20
const SNIPPETS = 30
// The README's picture gets a fuller minute of history than the test needs.
const docs = process.env.WEBMGMT_SCREENSHOT === 'docs'
t0.setTimeout(docs ? 360_000 : 240_000)
const longPath = '/reports/by-customer/with-a-very-long-segment-that-never-breaks-anywhere-at-all-0123456789abcdef'

test('the page stays readable with 20 kinds and 30 snippets, on a desktop, on a phone and in the dark', { skip: noBrowser }, async t => {
  const app = Fastify({ logger: false })
  await app.register(kindRouter)
  await app.register(snippetsUi, { name: 'kinds', interval: 500 })
  const kinds = Array.from({ length: KINDS }, (_, i) => `kind-${String(i + 1).padStart(2, '0')}`)
  const table: EndpointTable = {
    '/ok': ['application/json', () => ({ ok: true })],
    '/slow': ['application/json', async (h) => { await sleep(Number(h.get(':path')!.split('=')[1] ?? 0)); return { slow: true } }],
    '/missing': ['text/plain', () => 404],
    [longPath]: ['application/vnd.example.report+json; charset=utf-8', () => ({})]
  }
  const ports: number[] = []
  for (const kind of kinds) {
    await app.http.config({ endpoints: table }, kind)
    const [l] = await app.net.listen('127.0.0.1', 0, { kind })
    ports.push(l!.port!)
  }
  for (let i = 0; i < SNIPPETS; i++) {
    // Two modules share a title: each must get its own anchor.
    const title = i === 7 || i === 8 ? 'Cache' : `Module ${i + 1}`
    app.http.snippets[`/m${i}`] = [title, `<p>Module ${i + 1} says hello.</p>`]
  }
  const [w] = await app.net.listen('127.0.0.1', 0, { kind: 'webmgmt' })
  const base = `http://127.0.0.1:${w!.port}/`
  const browser = await launch()
  const agent = new Agent({ connections: 4 })
  t.teardown(async () => {
    await browser.close()
    await agent.close()
    for (const l of app.net.list()) if (l.address !== undefined) await app.net.close(l.address, l.port).catch(() => {})
    await app.close()
  })

  // A few seconds of traffic, more on the first kinds, some slow, some 404: the charts open with history.
  const trafficUntil = Date.now() + (docs ? 45_000 : 3000)
  let sent = 0
  while (Date.now() < trafficUntil && sent < 100_000) {
    if (docs) await sleep(10)
    const k = Math.min(Math.floor(Math.random() ** 2 * KINDS), KINDS - 1)
    const path = sent % 7 === 0 ? `/slow?ms=${Math.round(Math.random() * 40)}` : sent % 11 === 0 ? '/missing' : '/ok'
    await request(`http://127.0.0.1:${ports[k]}${path}`, { dispatcher: agent }).then(r => r.body.dump())
    sent++
  }
  await mkdir(shots, { recursive: true })

  // One page for every screen, resized, so that the test loads the page once.
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  const errors = watchErrors(page)
  await page.goto(base)
  await page.waitForSelector('#feed-state[data-state="live"]', { timeout: 30_000 })

  await t.test('desktop, 1440×900', async t => {
    await page.click('#window label:has-text("1 min")')
    await page.waitForSelector('#chart-kinds .u-legend :text("other (16)")', { timeout: 10_000 })
    const labels = await page.$$eval('#chart-kinds .u-legend .u-series th', ths => ths.map(th => th.textContent ?? ''))
    t.equal(labels.length, 1 + 5 + 1, 'time, the five busiest of the 21 kinds (webmgmt too) and "other" for the 16 others')

    // The picker: one tab stop, arrows inside, a "no match" line, any kind pickable.
    t.equal(await page.locator('#metric-list .chip[tabindex="0"]').count(), 1, 'one chip holds the tab stop')
    await page.focus('#metric-filter')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Tab')
    const first = await page.evaluate('document.activeElement.dataset.key')
    t.ok(typeof first === 'string', 'Tab reaches the chip list')
    await page.keyboard.press('ArrowRight')
    const second = await page.evaluate('document.activeElement.dataset.key')
    t.ok(typeof second === 'string' && second !== first, 'ArrowRight moves to the next chip')
    await page.keyboard.press('Tab')
    t.notOk(await page.evaluate('document.activeElement.classList.contains("chip")'), 'Tab leaves the list in one step')
    await page.fill('#metric-filter', 'no such metric at all')
    t.ok(await page.isVisible('#metric-none'), 'a "no match" line')
    await page.fill('#metric-filter', '')
    t.equal(await page.locator('#picker-kind option').count(), KINDS + 1, 'every kind can be chosen (and webmgmt)')
    await page.selectOption('#picker-kind', 'kind-17')
    await page.click('#metric-list .chip[data-key="kind.kind-17.request.total"]')
    await page.waitForSelector('#chart-picked .u-legend :text("kind-17: requests (req/s)")')
    t.pass('a kind outside the top five is plotted from the picker')
    t.equal(await page.locator('#chart-picked .u-axis').count(), 4, 'one axis per unit: time, ms, bytes, req/s')
    t.notOk(await page.locator('#metric-list .chip[data-key$="latency.sum"]').count(), 'no seconds-per-second series')
    await page.evaluate('window.scrollTo(0, 0)')
    await page.waitForTimeout(300)
    await page.screenshot({ path: `${shots}webmgmt-desktop.png` })
    if (docs) await copyFile(`${shots}webmgmt-desktop.png`, readme)

    // The Modules menu: within the viewport, scrolls, Escape closes it, a choice moves the focus.
    await page.click('#modules-menu summary')
    const menu = await page.evaluate('(() => { const ul = document.querySelector(\'#modules-menu ul\'); const r = ul.getBoundingClientRect(); return { bottom: r.bottom, scrolls: ul.scrollHeight > ul.clientHeight } })()') as { bottom: number, scrolls: boolean }
    t.ok(menu.bottom <= 900 && menu.scrolls, 'the menu ends inside the viewport and scrolls')
    const hrefs = await page.$$eval('#modules-menu a', as => as.map(a => a.getAttribute('href')))
    t.equal(new Set(hrefs).size, SNIPPETS, 'every module has its own anchor, the two "Cache" too')
    await page.keyboard.press('Escape')
    t.notOk(await page.evaluate('document.getElementById("modules-menu").open'), 'Escape closes the menu')
    t.equal(await page.evaluate('document.activeElement.textContent'), 'Modules', 'and gives the focus back to it')
    await page.click('#modules-menu summary')
    const last = page.locator('#modules-menu a').last()
    await last.scrollIntoViewIfNeeded()
    await last.click()
    await until(page, 'document.activeElement?.id === "module-30"', 10_000)
    t.ok(await page.evaluate('document.getElementById("module-30").classList.contains("chosen")'), 'the last module is reached, focused and marked')
    t.equal(await page.getAttribute('#modules-menu a[href="#module-30"]', 'aria-current'), 'location')

    const o = await overflow(page)
    t.same(o.escaping, [], 'nothing wider than its card')
    const violations = await axe(page)
    t.comment(`axe-core at 1440×900: ${violations.length} violations ${JSON.stringify(violations.map(v => `${v.id} (${v.impact})`))}`)
    t.same(violations.filter(v => v.impact === 'serious' || v.impact === 'critical'), [], 'axe-core: no serious or critical violation')
  })

  await t.test('dark, 1440×900', async t => {
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.waitForTimeout(300)
    const bg = await page.evaluate('getComputedStyle(document.documentElement).backgroundColor') as string
    const [r, g, b] = bg.match(/\d+/g)!.map(Number)
    t.ok(r! + g! + b! < 120, `prefers-color-scheme: dark gives a dark page (${bg})`)
    await page.evaluate('window.scrollTo(0, 0)')
    await page.screenshot({ path: `${shots}webmgmt-dark.png` })
    const violations = await axe(page)
    t.comment(`axe-core in the dark: ${violations.length} violations ${JSON.stringify(violations.map(v => `${v.id} (${v.impact})`))}`)
    t.same(violations.filter(v => v.impact === 'serious' || v.impact === 'critical'), [], 'axe-core: no serious or critical violation')
    await page.emulateMedia({ colorScheme: 'light' })
  })

  for (const [width, height] of [[390, 844], [360, 740]] as const) {
    await t.test(`phone, ${width}×${height}`, async t => {
      await page.setViewportSize({ width, height })
      await page.waitForTimeout(300)
      await page.waitForSelector('#instances-body tr[data-status="ok"], #instances-body tr[data-status="busy"]')
      const o = await overflow(page)
      t.ok(o.scrollWidth <= o.innerWidth, `no horizontal overflow (${o.scrollWidth} <= ${o.innerWidth})`)
      t.same(o.escaping, [], 'nothing wider than its card: tables became cards, long paths wrap')
      t.notOk(await page.isVisible('.bar .links'), 'the section links fold')
      await page.click('#sections-menu summary')
      await page.click('#sections-menu a[href="#instances"]')
      await until(page, 'document.activeElement?.id === "instances"', 10_000)
      t.pass('into the Sections menu, which moves the focus to the section')
      await page.evaluate('window.scrollTo(0, 0)')
      if (width === 390) {
        await page.screenshot({ path: `${shots}webmgmt-phone.png` })
        if (docs) await page.screenshot({ path: `${shots}webmgmt-phone-full.png`, fullPage: true })
        const violations = await axe(page)
        t.comment(`axe-core at 390×844: ${violations.length} violations ${JSON.stringify(violations.map(v => `${v.id} (${v.impact})`))}`)
        t.same(violations.filter(v => v.impact === 'serious' || v.impact === 'critical'), [], 'axe-core: no serious or critical violation')
      }
    })
  }

  t.same(errors, [], 'no console error on any screen')
})
