import type { Server } from 'node:http'
import type { FastifyServerOptions } from 'fastify'

/** The seed's upvalue: every server answers GET /service with `{ key: path, value }`. */
export const value = 42

/** One set of options for the plain Fastify route and the endpoint table, so only the routing differs. */
export const fastifyOptions: FastifyServerOptions = { logger: false }

/**
 * Tells the driver the port on stdout, and closes on SIGTERM so that the process exits by
 * itself (needed for `node --cpu-prof` to write its profile).
 */
export function announce (server: Server, close: () => Promise<unknown>): void {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the server is not listening on TCP')
  process.stdout.write(`listening ${address.port}\n`)
  process.once('SIGTERM', () => {
    server.closeAllConnections()
    close().catch((err: unknown) => console.error(err))
  })
}
