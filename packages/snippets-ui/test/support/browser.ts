// Waiting in the page under its CSP: waitForFunction evaluates a string predicate with eval, which
// the page's script-src forbids; page.evaluate goes through the DevTools protocol, which it does not.
import { setTimeout as sleep } from 'node:timers/promises'

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
