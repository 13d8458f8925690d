import { once } from 'node:events'
import net from 'node:net'
import { test } from 'tap'
import { build, rawExchange, serve, settles } from './support/sockets.ts'

const request = 'GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'

async function hold (port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1')
  socket.on('error', () => {})
  await once(socket, 'connect')
  // A request answered, the connection kept alive: it has spoken, so it is not evicted for an idle connect.
  socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n')
  await settles(once(socket, 'data'), 'the answer on a held connection')
  return socket
}

/** Waits until the listener counts `n` open connections (a hang guard, not a timing check). */
async function connections (list: () => Array<{ connections: number }>, n: number): Promise<void> {
  await settles((async () => {
    while (list()[0]?.connections !== n) await new Promise(resolve => setTimeout(resolve, 10))
  })(), `${n} open connections`)
}

for (const tls of [false, undefined]) {
  test(`refuses connections over maxConnections, and takes them again once some close (tls: ${String(tls)})`, async t => {
    const { app, logs } = await build(t)
    const port = await serve(app, 'svc', { endpoints: { '/': ['text/plain', 'in'] }, maxConnections: 2, keepAliveTimeout: 30_000, ...(tls === undefined ? {} : { tls }) })
    const first = await hold(port)
    const second = await hold(port)
    t.teardown(() => { first.destroy(); second.destroy() })
    await connections(() => app.net.list(), 2)

    t.equal(await rawExchange(port, request), '', 'a third connection is closed unanswered')
    t.equal(await rawExchange(port, request), '', 'and a fourth')

    first.destroy()
    await connections(() => app.net.list(), 1)
    t.match(await rawExchange(port, request), /^HTTP\/1\.1 200 [\s\S]*in$/, 'a new connection is served once one closed')
    t.equal(logs.filter(line => line.msg === 'request').length, 3, 'only the held and the served requests reached the kind')
  })
}

test('maxConnections counts per listener', async t => {
  const { app } = await build(t)
  await app.http.config({ endpoints: { '/': ['text/plain', 'in'] }, maxConnections: 1, keepAliveTimeout: 30_000, tls: false }, 'svc')
  const [a] = await app.net.listen('127.0.0.1', 0, { kind: 'svc' })
  const [b] = await app.net.listen('127.0.0.1', 0, { kind: 'svc' })
  const held = await hold(a?.port ?? 0)
  t.teardown(() => held.destroy())
  await connections(() => app.net.list(), 1)
  t.equal(await rawExchange(a?.port ?? 0, request), '', 'the full listener refuses')
  t.match(await rawExchange(b?.port ?? 0, request), /^HTTP\/1\.1 200 /, 'the other listener of the kind serves')
})
