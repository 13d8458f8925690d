import { randomFillSync } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import helmet from 'helmet'
import { KINDS_ERR_UI_OPTION } from './errors.js'

/** `strict-transport-security` of webmgmt, sent only when webmgmt is TLS-only. */
export interface HstsOptions {
  /** Seconds browsers remember to use HTTPS only. */
  maxAge: number
  includeSubDomains?: boolean
}

export interface SecurityHeadersOptions {
  hsts: HstsOptions | false
  /** Whether webmgmt is TLS-only now (`tls: true`): HSTS over a port that also speaks plain HTTP would lock browsers out of it. */
  tlsOnly: () => boolean
}

const kNonce = Symbol('kinds.cspNonce')
type Nonced = ServerResponse & { [kNonce]?: string }

/** Random bytes drawn 4 KiB at a time: a nonce is 16 of them, without a call into OpenSSL per response. */
const pool = Buffer.alloc(4096)
let used = pool.length

function freshNonce (): string {
  if (used === pool.length) {
    randomFillSync(pool)
    used = 0
  }
  used += 16
  return pool.toString('base64', used - 16, used)
}

function nonceOf (res: ServerResponse): string {
  const raw = res as Nonced
  raw[kNonce] ??= freshNonce()
  return raw[kNonce]
}

/** The CSP nonce of this response: the page gives it to its own script and to every snippet's `<script>`. */
export function cspNonce (reply: FastifyReply): string {
  return nonceOf(reply.raw)
}

/** Checks the `hsts` option as it is given. */
export function checkHsts (value: unknown): HstsOptions | false {
  if (value === undefined || value === false) return false
  const h = value as Record<string, unknown>
  if (typeof value !== 'object' || value === null || !Number.isInteger(h.maxAge) || (h.maxAge as number) <= 0) {
    throw new KINDS_ERR_UI_OPTION('hsts', 'must be false or { maxAge: seconds, includeSubDomains?: boolean }')
  }
  if (h.includeSubDomains !== undefined && typeof h.includeSubDomains !== 'boolean') throw new KINDS_ERR_UI_OPTION('hsts.includeSubDomains', 'must be a boolean')
  return { maxAge: h.maxAge as number, includeSubDomains: h.includeSubDomains === true }
}

/**
 * The page's and its assets' headers, through helmet: a CSP whose script-src
 * holds a fresh nonce per response, nosniff, no-referrer, no framing at all;
 * HSTS only when asked and webmgmt is TLS-only.
 */
const securityHeaders: FastifyPluginAsync<SecurityHeadersOptions> = async function securityHeaders (app, options) {
  // Built once: @fastify/helmet would build helmet's middleware again for every request.
  const apply = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", (_req: IncomingMessage, res: ServerResponse) => `'nonce-${nonceOf(res)}'`],
        // Snippets are trusted HTML and may carry style attributes: inline styles stay allowed.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        // 'self' covers ws: and wss: to the page's own host and port (CSP 3).
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"]
      }
    },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    strictTransportSecurity: false
  })
  app.addHook('onRequest', (request, reply, done) => { apply(request.raw, reply.raw, done as (err?: unknown) => void) })
  const hsts = options.hsts
  if (hsts !== false) {
    const value = `max-age=${hsts.maxAge}${hsts.includeSubDomains === true ? '; includeSubDomains' : ''}`
    app.addHook('onRequest', async (request, reply) => {
      if (options.tlsOnly() && (request.raw.socket as { encrypted?: boolean } | null)?.encrypted === true) reply.header('strict-transport-security', value)
    })
  }
}

export default fp(securityHeaders, { fastify: '5.x', name: '@kinds/snippets-ui/security-headers' })
