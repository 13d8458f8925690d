// The webmgmt kind alone, plain HTTP, for /metrics under slow readers; METRICS_MAX_AGE sets metricsMaxAge.
import Fastify from 'fastify'
import kindRouter from '@kinds/kind-router'
import snippetsUi from '@kinds/snippets-ui'

const app = Fastify({ logger: false })
await app.register(kindRouter, { socketActivation: false })
await app.register(snippetsUi, { metricsMaxAge: Number(process.env.METRICS_MAX_AGE ?? 1000) })
await app.http.config({ tls: false }, 'webmgmt')
const [info] = await app.net.listen('127.0.0.1', 0, { kind: 'webmgmt' })
process.stdout.write(`listening ${info!.port}\n`)
process.once('SIGTERM', () => {
  app.close().then(() => process.exit(0), (err: unknown) => {
    console.error(err)
    process.exit(1)
  })
})
