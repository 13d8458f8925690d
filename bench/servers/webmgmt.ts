// The webmgmt kind alone, plain HTTP, for the /stats fan-out: one tick a second to every client.
import Fastify from 'fastify'
import kindRouter from '@kinds/kind-router'
import snippetsUi from '@kinds/snippets-ui'

const app = Fastify({ logger: false })
await app.register(kindRouter, { socketActivation: false })
await app.register(snippetsUi)
// Room for the 10,000 clients and the driver's own requests.
await app.http.config({ tls: false, maxConnections: 50_000 }, 'webmgmt')
const [info] = await app.net.listen('127.0.0.1', 0, { kind: 'webmgmt' })
process.stdout.write(`listening ${info!.port}\n`)
process.once('SIGTERM', () => {
  app.close().then(() => process.exit(0), (err: unknown) => {
    console.error(err)
    process.exit(1)
  })
})
