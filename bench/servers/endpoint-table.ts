// The subject: the seed's RESTful /service through @kinds/endpoint-table.
import Fastify from 'fastify'
import endpointTable, { status, type EndpointStream, type RequestHeaders, type ServeResult } from '@kinds/endpoint-table'
import { announce, fastifyOptions, value as initial } from './shared.ts'

let value = initial

// As the seed: GET answers JSON, POST stores a number, anything else is refused.
function service (h: RequestHeaders, stream: EndpointStream): ServeResult | Promise<ServeResult> {
  const m = h.get(':method')
  const path = h.get(':path')
  if (m === 'GET') return { key: path, value }
  if (m === 'POST') return store(stream)
  return status(405, 'Cannot do that')
}

async function store (stream: EndpointStream): Promise<ServeResult> {
  const text = await stream.getBodyAsString()
  if (text.trim() === '' || !Number.isFinite(Number(text))) return status(500, 'Not a good request')
  value = Number(text)
}

const app = Fastify(fastifyOptions)
await app.register(endpointTable, { endpoints: { '/service': ['application/json', service] } })

await app.listen({ host: '127.0.0.1', port: 0 })
announce(app.server, () => app.close())
