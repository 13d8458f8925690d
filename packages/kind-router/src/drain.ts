import type { FastifyInstance } from 'fastify'
import closeWithGrace from 'close-with-grace'
import { KINDS_ERR_CLOSE_OPTION } from './errors.js'

/** What `net.readiness()` says: ready, or the first reason it is not (plain text, for `/readyz`). */
export type Readiness = { ready: true } | { ready: false, reason: string }

export interface CloseOnSignalsOptions {
  /** Milliseconds the whole drain and close may take before the process exits 1. Default: 30000. */
  timeout?: number
}

/**
 * On SIGTERM, SIGINT (and the other signals close-with-grace knows), or an
 * uncaught error: `net.drain()` (readiness flips at once, each kind serves for
 * its drainDelay, then its listeners close, WebSockets with 1001), then
 * `app.close()`, then exit 0 (1 after an error or past `timeout`).
 */
export function closeOnSignals (app: FastifyInstance, options: CloseOnSignalsOptions = {}): { close: () => void, uninstall: () => void } {
  const timeout = options.timeout ?? 30_000
  if (!Number.isInteger(timeout) || timeout <= 0) throw new KINDS_ERR_CLOSE_OPTION('timeout', 'must be a positive number of milliseconds')
  return closeWithGrace({ delay: timeout, logger: { error: (message: unknown) => app.log.error({ message }, 'closing') } }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, 'closing after an uncaught error')
    else app.log.info({ signal }, 'closing')
    await app.net.drain()
    await app.close()
  })
}
