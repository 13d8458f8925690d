import { readFileSync } from 'node:fs'
import type { Server } from 'node:net'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import websocket from '@fastify/websocket'

/** The seed's upvalue: every server answers GET /service with `{ key: path, value }`. */
export const value = 42

/** The plain Fastify route of the reference servers: the seed's GET /service, written as a Fastify user would. */
export function serviceRoute (app: FastifyInstance): void {
  app.get('/service', (request, reply) => {
    reply.send({ key: request.url, value })
  })
}

/** The plain Fastify WebSocket echo of the reference servers: @fastify/websocket, every message sent back as it came. */
export async function websocketEchoRoute (app: FastifyInstance): Promise<void> {
  await app.register(websocket)
  app.get('/echo', { websocket: true }, socket => {
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }))
  })
}

/**
 * The logger of every Fastify server of the bench, the kinds' app included: pino at `warn`,
 * so nothing is written per request and the cost of a level check stays in on both sides.
 */
export const logger = { level: 'warn' } as const

/** One set of options for the plain Fastify servers and the endpoint table, so only the routing differs. */
export const fastifyOptions: FastifyServerOptions = { logger }

/** The certificate the driver made for this run (`BENCH_CERT`, `BENCH_KEY`: PEM files), for TLS servers. */
export function certificateFiles (): { cert: string, key: string } {
  const cert = process.env.BENCH_CERT
  const key = process.env.BENCH_KEY
  if (cert === undefined || key === undefined) throw new Error('BENCH_CERT and BENCH_KEY must name the PEM files of the run')
  return { cert, key }
}

/** The same certificate read, for `https.createServer` and the like. */
export function certificate (): { cert: Buffer, key: Buffer } {
  const files = certificateFiles()
  return { cert: readFileSync(files.cert), key: readFileSync(files.key) }
}

/** A port on stdout, as every server of the bench tells the driver it is ready. */
export function announcePort (port: number): void {
  process.stdout.write(`listening ${port}\n`)
}

/**
 * Tells the driver the port on stdout, and closes on SIGTERM so that the process exits by
 * itself (needed for `node --cpu-prof` to write its profile).
 */
export function announce (server: Server, close: () => Promise<unknown>): void {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the server is not listening on TCP')
  announcePort(address.port)
  process.once('SIGTERM', () => {
    // node:http servers can drop their keep-alive connections at once; HTTP/2 servers close sessions in close().
    if ('closeAllConnections' in server && typeof server.closeAllConnections === 'function') server.closeAllConnections()
    close().catch((err: unknown) => console.error(err))
    // A server whose close waits on a connection the load generator left open still exits
    // (by process.exit, so that `--cpu-prof` writes its profile).
    setTimeout(() => process.exit(0), 3000).unref()
  })
}

/** Closes a Fastify app on SIGTERM and exits (0, or 1 with the error), so that `--cpu-prof` writes its profile. */
export function closeOnSigterm (app: FastifyInstance): void {
  process.once('SIGTERM', () => {
    app.close().then(() => process.exit(0), (err: unknown) => {
      console.error(err)
      process.exit(1)
    })
  })
}
