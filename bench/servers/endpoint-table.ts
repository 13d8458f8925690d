// The table alone: the seed's /service and the WebSocket echo on /echo through @kinds/endpoint-table
// on a Fastify instance that listens itself (no kind-router), HTTP/1.1 without TLS.
import Fastify from 'fastify'
import endpointTable from '@kinds/endpoint-table'
import { announce, fastifyOptions } from './shared.ts'
import { echoEndpoint, serviceEndpoint } from './service.ts'

const app = Fastify(fastifyOptions)
await app.register(endpointTable, { endpoints: { '/service': serviceEndpoint, '/echo': echoEndpoint } })

await app.listen({ host: '127.0.0.1', port: 0 })
announce(app.server, () => app.close())
