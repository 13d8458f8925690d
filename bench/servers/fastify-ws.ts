// The WebSocket reference: plain Fastify with @fastify/websocket, an echo on /echo, HTTP/1.1 without TLS.
import Fastify from 'fastify'
import { announce, fastifyOptions, websocketEchoRoute } from './shared.ts'

const app = Fastify(fastifyOptions)
await websocketEchoRoute(app)

await app.listen({ host: '127.0.0.1', port: 0 })
announce(app.server, () => app.close())
