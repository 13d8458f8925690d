import { once } from 'node:events'
import Fastify from 'fastify'
import { test } from 'tap'
import { build, ephemeralCa, serve, settles } from './support/sockets.ts'
import { h2Get, h2Raw, headersFlood, resources, until, type Resources } from './support/h2-frames.ts'

const endpoints = { '/': ['text/plain', 'ok'] } as const
const FLOODS = 4
const REQUESTS = 5000

/** A client that sends REQUESTS HEADERS frames, and vanishes once the server starts answering. */
async function floodAndVanish (port: number): Promise<void> {
  const socket = await h2Raw(port)
  socket.write(headersFlood(REQUESTS))
  await settles(once(socket, 'data'), 'the server answering the flood')
  socket.destroy()
}

const same = (a: Resources, b: Resources): boolean => a.fds === b.fds && a.handles === b.handles && a.timers === b.timers

for (const tls of [true, undefined]) {
  test(`frees every HTTP/2 connection whose client floods HEADERS and vanishes (tls: ${String(tls)})`, async t => {
    const { app } = await build(t)
    const port = await serve(app, 'svc', { endpoints, ...(tls === undefined ? {} : { tls }) })
    const ca = await ephemeralCa()
    t.equal((await h2Get(port, ca)).body, 'ok', 'served before')
    const before = await until(resources, () => app.net.list()[0]?.connections === 0, 'the first client gone')
    for (let i = 0; i < FLOODS; i++) await floodAndVanish(port)
    t.equal((await h2Get(port, ca)).body, 'ok', 'another client is served after the floods')
    await until(() => app.net.list()[0]?.connections, n => n === 0, 'the listener counting no connection')
    const after = await until(resources, r => same(r, before), 'fds, handles and timers back to the baseline')
    t.comment(`fds ${before.fds} -> ${after.fds}, timers ${before.timers} -> ${after.timers}, handles ${before.handles} -> ${after.handles}, RSS ${before.rss} -> ${after.rss} MB`)
    t.same({ fds: after.fds, handles: after.handles, timers: after.timers }, { fds: before.fds, handles: before.handles, timers: before.timers }, 'no fd, handle or timer left')
  })
}

test('a plain Fastify HTTP/2 server is freed the same way with maxConcurrentStreams advertised (the workaround)', async t => {
  const { cert, key } = await import('../src/index.ts').then(m => m.getEphemeralCertificate())
  const server = Fastify({ http2: true, https: { cert, key, settings: { maxConcurrentStreams: 100 } } })
  server.get('/', async () => 'ok')
  await server.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => server.close())
  const port = (server.server.address() as { port: number }).port
  const connections = (): Promise<number> => new Promise(resolve => server.server.getConnections((_err, n) => resolve(n)))
  t.equal((await h2Get(port, cert)).body, 'ok')
  for (let i = 0; i < FLOODS; i++) await floodAndVanish(port)
  t.equal((await h2Get(port, cert)).body, 'ok', 'another client is served after the floods')
  await settles((async () => { while (await connections() !== 0) await new Promise(resolve => setTimeout(resolve, 25)) })(), 'no connection left')
  t.equal(await connections(), 0)
})

test('maxConnections counts only live connections: floods that vanish do not use up the slots', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints, tls: true, maxConnections: 2 })
  const ca = await ephemeralCa()
  for (let i = 0; i < 3 * 2; i++) {
    await floodAndVanish(port)
    await until(() => app.net.list()[0]?.connections, n => n === 0, 'the vanished client\'s slot freed')
  }
  t.equal((await h2Get(port, ca)).body, 'ok', 'a new client still gets a slot after three times maxConnections floods')
})
