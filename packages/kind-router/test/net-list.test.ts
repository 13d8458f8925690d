import { join } from 'node:path'
import { test } from 'tap'
import { build, tempDir } from './support/sockets.ts'

test('net.list reports each listener: kind, address and port or path, tls and protocols', async t => {
  const { app } = await build(t)
  await app.http.config({ endpoints: {} }, 'auto')
  await app.http.config({ endpoints: {}, tls: true }, 'secure')
  await app.http.config({ endpoints: {}, tls: false }, 'plain')
  const socketPath = join(tempDir(t), 'plain.sock')
  t.same(app.net.list(), [], 'nothing before listen')

  const [auto] = await app.net.listen('127.0.0.1', 0, { kind: 'auto' })
  const [secure] = await app.net.listen('::1', 0, { kind: 'secure' })
  await app.net.listen(socketPath, { kind: 'plain' })

  const list = app.net.list()
  t.match(list, [
    { kind: 'auto', address: '127.0.0.1', port: auto?.port, tls: 'auto', protocols: ['h2', 'http/1.1', 'h2c'] },
    { kind: 'secure', address: '::1', port: secure?.port, tls: true, protocols: ['h2', 'http/1.1'] },
    { kind: 'plain', path: socketPath, tls: false, protocols: ['http/1.1', 'h2c'] }
  ])
  t.equal(list.length, 3)
  t.same(list.map(l => l.protocols), [['h2', 'http/1.1', 'h2c'], ['h2', 'http/1.1'], ['http/1.1', 'h2c']], 'h2c wherever the first bytes are read')
  t.ok(typeof auto?.port === 'number' && auto.port > 0, 'port 0 is reported as the port bound')
  t.equal(list[2]?.port, undefined, 'a path has no port')
  t.equal(list[0]?.path, undefined, 'a port has no path')
  t.same(list.map(l => l.connections), [0, 0, 0])

  await app.http.config({ endpoints: {}, tls: false }, 'auto')
  t.match(app.net.list()[0], { kind: 'auto', tls: false, protocols: ['http/1.1', 'h2c'] }, 'it follows a change of the kind\'s tls')
})
