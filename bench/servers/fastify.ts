// The reference: a plain Fastify route doing the same work.
import Fastify from 'fastify'
import { announce, fastifyOptions, value } from './shared.ts'

const app = Fastify(fastifyOptions)

app.get('/service', (request, reply) => {
  reply.send({ key: request.url, value })
})

await app.listen({ host: '127.0.0.1', port: 0 })
announce(app.server, () => app.close())
