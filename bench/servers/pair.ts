// Two servers in one process, for bench/same-process.ts: the reference, a plain Fastify server of
// the pair's protocol listening itself, and beside it what BENCH_PAIR names (lib/pairs.ts has the
// list): a second plain instance (the control), the endpoint table alone, or a kind on the user's
// path as in servers/kind.ts (register(kindRouter), register(snippetsUi), http.config, net.listen).
// Both serve the seed's GET /service, and for WebSockets an echo on /echo. TLS pairs serve the run's
// certificate (BENCH_CERT, BENCH_KEY). The other server's port is on a `pair <port>` line, before
// the reference's `listening <port>`.
import Fastify, { type FastifyInstance } from 'fastify'
import kindRouter, { routerOf, type KindConfig } from '@kinds/kind-router'
import endpointTable from '@kinds/endpoint-table'
import snippetsUi from '@kinds/snippets-ui'
import { pairNamed } from '../lib/pairs.ts'
import type { LoadKind } from '../lib/rows.ts'
import { announcePort, certificate, certificateFiles, logger, serviceRoute, websocketEchoRoute } from './shared.ts'
import { echoFor, serviceEndpoint } from './service.ts'

const pair = pairNamed(process.env.BENCH_PAIR ?? 'kind')

/** The plain Fastify server of a protocol, as a user writes it; `keepAliveTimer: false` sets Node's keep-alive timeout to 0. */
async function plain (load: LoadKind, { keepAliveTimer = true } = {}): Promise<FastifyInstance> {
  let app: FastifyInstance
  switch (load) {
    case 'wrk':
    case 'ws': app = Fastify({ logger }); break
    case 'wrk-tls': app = Fastify({ logger, https: certificate() }) as unknown as FastifyInstance; break
    case 'h2load-tls': app = Fastify({ logger, http2: true, https: certificate() }) as unknown as FastifyInstance; break
    case 'h2load-h2c': app = Fastify({ logger, http2: true }) as unknown as FastifyInstance; break
  }
  // On the server itself: Fastify reads `keepAliveTimeout: 0` as unset and puts its 72 s default.
  if (!keepAliveTimer) app.server.keepAliveTimeout = 0
  if (load === 'ws') await websocketEchoRoute(app)
  else serviceRoute(app)
  return app
}

async function portOf (app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return (app.server.address() as { port: number }).port
}

function kindConfig (name: string): Partial<KindConfig> {
  switch (name) {
    case 'kind-default': return {}
    case 'kind-tls':
    case 'kind-h2': return { tls: true, ...certificateFiles() }
    default: return { tls: false }
  }
}

/** The other server of the pair, listening: its port, and the app that closes it. */
async function other (): Promise<{ port: number, app: FastifyInstance }> {
  if (pair.name.startsWith('fastify')) {
    const app = await plain(pair.load, { keepAliveTimer: pair.name !== 'fastify-no-keepalive-timer' })
    return { port: await portOf(app), app }
  }
  if (pair.name === 'table') {
    const app = Fastify({ logger })
    await app.register(endpointTable, { endpoints: { '/service': serviceEndpoint } })
    return { port: await portOf(app), app }
  }
  const app = Fastify({ logger })
  await app.register(kindRouter)
  if (pair.name !== 'kind-bare') await app.register(snippetsUi)
  if (pair.name === 'kind-quiet') routerOf(app.http).requestObservers.clear()
  const echo = echoFor(pair.name === 'kind-ws' ? 'raw' : 'seed')
  await app.http.config({ ...kindConfig(pair.name), endpoints: { '/service': serviceEndpoint, '/echo': echo } }, 'myservice')
  const [info] = await app.net.listen('127.0.0.1', 0, { kind: 'myservice' })
  return { port: info!.port!, app }
}

const reference = await plain(pair.load)
const second = await other()
process.stdout.write(`pair ${second.port}\n`)
announcePort(await portOf(reference))
process.once('SIGTERM', () => {
  Promise.all([reference.close(), second.app.close()]).then(() => process.exit(0), (err: unknown) => {
    console.error(err)
    process.exit(1)
  })
})
