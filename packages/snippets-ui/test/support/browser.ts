// One Debian chromium per test file, driven by playwright-core; in CI a missing browser fails the file.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Browser, Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

/** Why the browser tests cannot run here, or false; in CI (CI=true) they run, and fail without chromium. */
export const noBrowser: string | false = existsSync(CHROMIUM) || process.env.CI === 'true' ? false : `${CHROMIUM} is absent: apt-get install chromium`

export async function launch (): Promise<Browser> {
  const { chromium } = await import('playwright-core')
  return await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
}

/** Errors the page logs or throws, collected for a final `t.same(errors, [])`. */
export function watchErrors (page: Page): string[] {
  const errors: string[] = []
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()) })
  page.on('pageerror', e => errors.push(e.message))
  return errors
}

export interface AxeViolation { id: string, impact: string | null, help: string, nodes: Array<{ target: string[] }> }

/** Runs axe-core (its source injected into the page) and answers the violations. */
export async function axe (page: Page): Promise<AxeViolation[]> {
  const source = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
  // Evaluated through the DevTools protocol: a script tag without the nonce would be refused by the page's CSP.
  await page.evaluate(source)
  const result = await page.evaluate('axe.run(document, { resultTypes: ["violations"] })') as { violations: AxeViolation[] }
  return result.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({ target: n.target })) }))
}

/** Horizontal overflow of the page: the document wider than the viewport, and any element wider than the card or panel holding it. */
export async function overflow (page: Page): Promise<{ scrollWidth: number, innerWidth: number, escaping: string[] }> {
  return await page.evaluate(`(() => {
    const escaping = []
    const boxes = [...document.querySelectorAll('.panel, .card, .snippets > section, .bar')]
    for (const box of boxes) {
      const outer = box.getBoundingClientRect()
      for (const el of box.querySelectorAll('*')) {
        const r = el.getBoundingClientRect()
        if (r.width === 0 || getComputedStyle(el).position === 'absolute' || el.closest('details:not([open]) > ul')) continue
        if (r.left < outer.left - 1 || r.right > outer.right + 1) escaping.push((el.id ? '#' + el.id : el.tagName.toLowerCase() + '.' + el.className) + ' in ' + (box.id || box.className) + ' ' + Math.round(r.width) + '>' + Math.round(outer.width))
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, escaping: escaping.slice(0, 10) }
  })()`)
}

// Waiting in the page under its CSP: waitForFunction evaluates a string predicate with eval, which
// the page's script-src forbids; page.evaluate goes through the DevTools protocol, which it does not.
interface Evaluates { evaluate: (expression: string) => Promise<unknown> }

/** Resolves once `expression` is truthy in the page; rejects naming it after `ms`. */
export async function until (page: Evaluates, expression: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await page.evaluate(expression) === true) return
    await sleep(100)
  }
  throw new Error(`${expression} did not come true within ${ms} ms`)
}
