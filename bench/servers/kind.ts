// The user's path: `register(kindRouter)`, `register(snippetsUi)` (the page's request counters
// on, as in the seed), `http.config(...)`, `net.listen(...)`; every option at its default but
// `tls`. BENCH_KIND_TLS picks the kind: `false` (plain HTTP only), `true` (TLS only, with the
// run's certificate as `cert` and `key`) or `auto` (default: `tls` unset, plain and TLS on one
// port). Endpoints: the seed's /service and a WebSocket echo on /echo (BENCH_WS_ECHO: `seed`, the
// default, or `raw` and `raw-text` for the rows that split the WebSocket row's cost).
import Fastify from 'fastify'
import kindRouter, { type KindConfig } from '@kinds/kind-router'
import snippetsUi from '@kinds/snippets-ui'
import { announcePort, certificateFiles, closeOnSigterm, logger } from './shared.ts'
import { echoFor, serviceEndpoint } from './service.ts'

function tlsOptions (mode: string): Partial<KindConfig> {
  switch (mode) {
    case 'false': return { tls: false }
    case 'true': return { tls: true, ...certificateFiles() }
    case 'auto': return {}
    default: throw new Error(`BENCH_KIND_TLS must be false, true or auto, got ${mode}`)
  }
}

const app = Fastify({ logger })
await app.register(kindRouter)
await app.register(snippetsUi)
await app.http.config({ ...tlsOptions(process.env.BENCH_KIND_TLS ?? 'auto'), endpoints: { '/service': serviceEndpoint, '/echo': echoFor(process.env.BENCH_WS_ECHO ?? 'seed') } }, 'myservice')
const [info] = await app.net.listen('127.0.0.1', 0, { kind: 'myservice' })
announcePort(info!.port!)
closeOnSigterm(app)
