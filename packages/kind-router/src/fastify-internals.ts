import { createRequire } from 'node:module'
import type { FastifyRequest } from 'fastify'

// Two symbols of Fastify 5's own (lib/symbols.js), each with a public way round it when a
// version of Fastify no longer has it.
const symbols = fastifySymbols()

function fastifySymbols (): Record<string, unknown> {
  try {
    return createRequire(import.meta.url)('fastify/lib/symbols.js') as Record<string, unknown>
  } catch {
    return {}
  }
}

function symbolOf (name: string): symbol | undefined {
  const found = symbols[name]
  return typeof found === 'symbol' ? found : undefined
}

/**
 * Where Fastify keeps a request's AbortController: aborting it with the timeout error is what
 * Fastify's own handlerTimeout does, so `request.signal` says why. Without it, the 503 is still sent.
 */
export const kRequestSignal = symbolOf('kRequestSignal')

const kRouteContext = symbolOf('kRouteContext')

/** What a route's config holds that the kinds read: the table's endpoint path, Fastify's route URL. */
export interface RouteConfig {
  endpoint?: string
  url?: string
}

/**
 * A request's route config, as `request.routeOptions.config` gives it, without that getter's
 * new object of twelve fields on every request (read on every completed request).
 */
export function routeConfig (request: FastifyRequest): RouteConfig | undefined {
  if (kRouteContext !== undefined) {
    const context = (request as unknown as Record<symbol, { config?: RouteConfig } | undefined>)[kRouteContext]
    if (context !== undefined) return context.config
  }
  return request.routeOptions.config as RouteConfig | undefined
}
