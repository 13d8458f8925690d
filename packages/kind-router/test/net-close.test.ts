import net from 'node:net'
import { test } from 'tap'
import { agent, build, fetchText, portOf } from './support/sockets.ts'

function connects (port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise(resolve => {
    const socket = net.connect(port, host)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

test('net.close closes one listener while another of the same kind keeps serving', async t => {
  const { app, logs } = await build(t)
  await app.http.config({ endpoints: { '/': ['text/plain', 'up'] } }, 'svc')
  const [first] = await app.net.listen('127.0.0.1', 0, { kind: 'svc' })
  const [second] = await app.net.listen('127.0.0.1', 0, { kind: 'svc' })
  const client = agent(t)
  t.equal((await fetchText(`http://127.0.0.1:${portOf(first)}/`, client)).body, 'up')

  await app.net.close('127.0.0.1', portOf(first))
  t.notOk(await connects(portOf(first)), 'the closed listener refuses connections')
  t.equal((await fetchText(`http://127.0.0.1:${portOf(second)}/`, client)).body, 'up', 'the other listener of the kind still serves')
  t.same(app.net.list().map(l => l.port), [portOf(second)], 'only the other one is listed')
  t.match(logs.filter(line => line.msg === 'listener closed'), [{ kind: 'svc', address: '127.0.0.1', port: portOf(first) }], 'the log says which listener closed')
})

test('net.close(address) without a port closes every listener on that address', async t => {
  const { app } = await build(t)
  await app.http.config({ endpoints: {} }, 'svc')
  await app.net.listen('127.0.0.1', 0, { kind: 'svc' })
  await app.net.listen('127.0.0.1', 0, { kind: 'webmgmt' })
  const [v6] = await app.net.listen('::1', 0, { kind: 'svc' })
  await app.net.close('127.0.0.1')
  t.same(app.net.list().map(l => [l.address, l.port]), [['::1', portOf(v6)]], 'the IPv6 listener is left')
  await app.net.close('[::1]', portOf(v6))
  t.same(app.net.list(), [], 'a bracketed IPv6 address closes it')
})

test('net.close of an address nothing listens on fails naming the address', async t => {
  const { app } = await build(t)
  await app.http.config({ endpoints: {} }, 'svc')
  const [info] = await app.net.listen('127.0.0.1', 0, { kind: 'svc' })
  await t.rejects(app.net.close('127.0.0.1', portOf(info) === 1 ? 2 : 1), { code: 'KINDS_ERR_NOT_LISTENING', message: /127\.0\.0\.1:\d+/ })
  await t.rejects(app.net.close('/tmp/kinds-no-such.sock'), { code: 'KINDS_ERR_NOT_LISTENING', message: /kinds-no-such\.sock/ })
  t.equal(app.net.list().length, 1, 'the listener is untouched')
  await app.net.close('127.0.0.1', portOf(info))
  await t.rejects(app.net.close('127.0.0.1', portOf(info)), { code: 'KINDS_ERR_NOT_LISTENING' }, 'closing twice fails the second time')
})
