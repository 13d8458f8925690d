// Two servers in one process, for bench/same-process.ts: the reference, a plain Fastify route
// listening itself, and beside it what BENCH_PAIR names, serving the same /service:
//   fastify    a second plain Fastify instance (the control: the pair's ratio is the method's noise)
//   table      endpoint-table registered on a Fastify instance listening itself
//   kind       the user's path as in servers/kind.ts: register(kindRouter), register(snippetsUi),
//              http.config({ tls: false }), net.listen
//   kind-bare  the same kind without snippets-ui
//   kind-quiet the same kind with snippets-ui registered, its request observer taken off again
//   kind-default the kind with `tls` unset (plain and TLS on one port, an ephemeral certificate),
//              loaded by a plain client: row (b) of `pnpm bench`
//   fastify-no-keepalive-timer  plain Fastify with Node's keep-alive timer off (keepAliveTimeout 0,
//              so idle connections are never closed): what that timer, set after every answer and
//              cleared at every request, costs; the kind closes idle connections from its sweep instead
// The reference's port is on the `listening` line; GET /pair on it answers the other one's.
import Fastify, { type FastifyInstance } from 'fastify'
import kindRouter, { routerOf } from '@kinds/kind-router'
import endpointTable from '@kinds/endpoint-table'
import snippetsUi from '@kinds/snippets-ui'
import { announcePort, logger, serviceRoute } from './shared.ts'
import { serviceEndpoint } from './service.ts'

const MODES = ['fastify', 'table', 'kind', 'kind-bare', 'kind-quiet', 'kind-default', 'fastify-no-keepalive-timer']
const mode = process.env.BENCH_PAIR ?? 'kind'
if (!MODES.includes(mode)) throw new Error(`BENCH_PAIR must be one of ${MODES.join(', ')}, got ${mode}`)

function plain ({ keepAliveTimer = true } = {}): FastifyInstance {
  const app = Fastify({ logger })
  // On the server itself: Fastify reads `keepAliveTimeout: 0` as unset and puts its 72 s default.
  if (!keepAliveTimer) app.server.keepAliveTimeout = 0
  serviceRoute(app)
  return app
}

async function portOf (app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return (app.server.address() as { port: number }).port
}

/** The other server of the pair, listening; its port and how to close it. */
async function other (): Promise<{ port: number, app: FastifyInstance }> {
  if (mode === 'fastify' || mode === 'fastify-no-keepalive-timer') {
    const app = plain({ keepAliveTimer: mode === 'fastify' })
    return { port: await portOf(app), app }
  }
  if (mode === 'table') {
    const app = Fastify({ logger })
    await app.register(endpointTable, { endpoints: { '/service': serviceEndpoint } })
    return { port: await portOf(app), app }
  }
  const app = Fastify({ logger })
  await app.register(kindRouter)
  if (mode !== 'kind-bare') await app.register(snippetsUi)
  if (mode === 'kind-quiet') routerOf(app.http).requestObservers.clear()
  await app.http.config({ ...mode === 'kind-default' ? {} : { tls: false }, endpoints: { '/service': serviceEndpoint } }, 'myservice')
  const [info] = await app.net.listen('127.0.0.1', 0, { kind: 'myservice' })
  return { port: info!.port!, app }
}

const reference = plain()
const pair = await other()
reference.get('/pair', () => ({ port: pair.port }))
announcePort(await portOf(reference))
process.once('SIGTERM', () => {
  Promise.all([reference.close(), pair.app.close()]).then(() => process.exit(0), (err: unknown) => {
    console.error(err)
    process.exit(1)
  })
})
