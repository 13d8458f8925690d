// The reference: a plain Fastify route doing the same work, listening itself. BENCH_PROTOCOL
// picks the server: `http` (default, HTTP/1.1), `https` (HTTP/1.1 over TLS), `h2` (HTTP/2 over
// TLS, `{ http2: true, https }`) or `h2c` (cleartext HTTP/2, `{ http2: true }`).
import Fastify, { type FastifyInstance } from 'fastify'
import { announce, certificate, fastifyOptions, logger, serviceRoute } from './shared.ts'

function build (protocol: string): FastifyInstance {
  switch (protocol) {
    case 'http': return Fastify(fastifyOptions)
    case 'https': return Fastify({ logger, https: certificate() }) as unknown as FastifyInstance
    case 'h2': return Fastify({ logger, http2: true, https: certificate() }) as unknown as FastifyInstance
    case 'h2c': return Fastify({ logger, http2: true }) as unknown as FastifyInstance
    default: throw new Error(`BENCH_PROTOCOL must be http, https, h2 or h2c, got ${protocol}`)
  }
}

const app = build(process.env.BENCH_PROTOCOL ?? 'http')

serviceRoute(app)

await app.listen({ host: '127.0.0.1', port: 0 })
announce(app.server, () => app.close())
