// The webmgmt kind alone, plain HTTP: for the /stats fan-out (one tick a second to every
// client) and for /metrics under slow readers. METRICS_MAX_AGE sets metricsMaxAge (default: the plugin's).
import Fastify from 'fastify'
import kindRouter from '@kinds/kind-router'
import snippetsUi from '@kinds/snippets-ui'
import { announcePort, closeOnSigterm } from './shared.ts'

const maxAge = process.env.METRICS_MAX_AGE
const app = Fastify({ logger: false })
await app.register(kindRouter, { socketActivation: false })
await app.register(snippetsUi, maxAge === undefined ? {} : { metricsMaxAge: Number(maxAge) })
// Room for the 10,000 clients and the driver's own requests.
await app.http.config({ tls: false, maxConnections: 50_000 }, 'webmgmt')
const [info] = await app.net.listen('127.0.0.1', 0, { kind: 'webmgmt' })
announcePort(info!.port!)
closeOnSigterm(app)
