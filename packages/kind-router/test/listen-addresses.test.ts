import { lookup } from 'node:dns/promises'
import { test } from 'tap'
import type { EndpointTable } from '@kinds/endpoint-table'
import { agent, build, fetchText, portOf } from './support/sockets.ts'

/** Answers with the address the request came to, as the server saw it. */
const where: EndpointTable = { '/where': ['application/json', (_h, stream) => ({ local: stream.local.address })] }

test('listens on an IPv4 address', async t => {
  const { app } = await build(t)
  await app.http.config({ endpoints: where }, 'svc')
  const infos = await app.net.listen('127.0.0.1', 0, { kind: 'svc' })
  t.equal(infos.length, 1)
  t.equal(infos[0]?.address, '127.0.0.1')
  const reply = await fetchText(`http://127.0.0.1:${portOf(infos[0])}/where`, agent(t))
  t.equal(reply.status, 200)
  t.match(JSON.parse(reply.body), { local: /127\.0\.0\.1$/ })
})

test('listens on an IPv6 address, written with or without brackets', async t => {
  const { app } = await build(t)
  await app.http.config({ endpoints: where }, 'svc')
  const [bare] = await app.net.listen('::1', 0, { kind: 'svc' })
  const [bracketed] = await app.net.listen('[::1]', 0, { kind: 'svc' })
  t.equal(bare?.address, '::1')
  t.equal(bracketed?.address, '::1')
  const client = agent(t)
  for (const info of [bare, bracketed]) {
    const reply = await fetchText(`http://[::1]:${portOf(info)}/where`, client)
    t.equal(reply.status, 200)
    t.same(JSON.parse(reply.body), { local: '::1' })
  }
})

test('listens on localhost: every address the name has, on one port', async t => {
  const { app } = await build(t)
  await app.http.config({ endpoints: where }, 'svc')
  const expected = [...new Set((await lookup('localhost', { all: true, verbatim: true })).map(a => a.address))]
  t.comment(`localhost is ${expected.join(', ')} here`)
  const infos = await app.net.listen('localhost', 0, { kind: 'svc' })
  t.same(infos.map(i => i.address).sort(), [...expected].sort(), 'one listener per address of localhost')
  const port = portOf(infos[0])
  t.ok(port > 0)
  t.same(infos.map(i => i.port), infos.map(() => port), 'all on the same port')
  const client = agent(t)
  for (const address of expected) {
    const host = address.includes(':') ? `[${address}]` : address
    const reply = await fetchText(`http://${host}:${port}/where`, client)
    t.equal(reply.status, 200, `served on ${address}`)
  }
  await app.net.close('localhost', port)
  t.same(app.net.list(), [], 'net.close(\'localhost\', port) closes them all')
})
