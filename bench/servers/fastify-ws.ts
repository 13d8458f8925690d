// The WebSocket reference: plain Fastify with @fastify/websocket, an echo on /echo, HTTP/1.1 without TLS.
import Fastify from 'fastify'
import websocket from '@fastify/websocket'
import { announce, fastifyOptions } from './shared.ts'

const app = Fastify(fastifyOptions)
await app.register(websocket)

app.get('/echo', { websocket: true }, socket => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }))
})

await app.listen({ host: '127.0.0.1', port: 0 })
announce(app.server, () => app.close())
