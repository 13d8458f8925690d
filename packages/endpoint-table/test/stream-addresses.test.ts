import { once } from 'node:events'
import net from 'node:net'
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, port } from './helpers.ts'
import type { EndpointTable, SocketAddress } from '../src/index.ts'

const endpoints: EndpointTable = {
  '/who': ['application/json', (_h, stream) => ({ peer: stream.peer, local: stream.local })]
}

/** Asks /who over a raw connection to `host`; gives the answer and the client's own port. */
async function ask (app: FastifyInstance, host: string): Promise<{ peer: SocketAddress, local: SocketAddress, clientPort: number }> {
  const socket = net.connect(port(app), host)
  await once(socket, 'connect')
  const clientPort = socket.localPort!
  socket.setEncoding('utf8')
  let raw = ''
  socket.on('data', (chunk: string) => { raw += chunk })
  socket.write('GET /who HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')
  await once(socket, 'close')
  return { ...JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)), clientPort }
}

test('gives the peer and local addresses of a real connection', async t => {
  const { app } = await build(t, endpoints)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { peer, local, clientPort } = await ask(app, '127.0.0.1')
  t.same(peer, { address: '127.0.0.1', port: clientPort, family: 'IPv4' }, 'the client end')
  t.same(local, { address: '127.0.0.1', port: port(app), family: 'IPv4' }, 'the server end')
})

test('gives IPv6 addresses with the family IPv6', async t => {
  const { app } = await build(t, endpoints)
  try {
    await app.listen({ host: '::1', port: 0 })
  } catch {
    t.plan(0, 'no IPv6 loopback here')
    return
  }
  const { peer, local, clientPort } = await ask(app, '::1')
  t.same(peer, { address: '::1', port: clientPort, family: 'IPv6' })
  t.same(local, { address: '::1', port: port(app), family: 'IPv6' })
})
