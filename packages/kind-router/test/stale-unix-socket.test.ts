import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, lstatSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { test } from 'tap'
import { Agent } from 'undici'
import { build, fetchText, tempDir } from './support/sockets.ts'

/** A socket file whose process died without removing it, as after a crash or SIGKILL. */
async function staleSocket (path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] })
  await once(child.stdout, 'data')
  child.kill('SIGKILL')
  await once(child, 'exit')
}

const hello = { endpoints: { '/hello': ['text/plain', 'hello'] as ['text/plain', string] } }

test('net.listen replaces a stale Unix socket file that nothing listens on', async t => {
  const { app } = await build(t)
  const path = join(tempDir(t), 'svc.sock')
  await staleSocket(path)
  t.ok(lstatSync(path).isSocket(), 'the dead process left its socket file')
  await app.http.config(hello, 'svc')
  const [info] = await app.net.listen(path, { kind: 'svc' })
  t.equal(info?.path, path)
  const client = new Agent({ connect: { socketPath: path } })
  t.teardown(() => client.destroy())
  t.equal((await fetchText('http://localhost/hello', client)).body, 'hello', 'the new listener answers on it')
  await client.close()
  await app.net.close(path)
  t.notOk(existsSync(path), 'closing removes it')
})

test('net.listen still refuses a Unix socket another process listens on, with KINDS_ERR_ADDRESS_IN_USE', async t => {
  const { app } = await build(t)
  const path = join(tempDir(t), 'live.sock')
  const other = createServer(socket => {
    socket.on('error', () => {})
    socket.end('other')
  })
  await new Promise<void>(resolve => other.listen(path, resolve))
  t.teardown(() => new Promise<void>(resolve => other.close(() => resolve())))
  await app.http.config(hello, 'svc')
  await t.rejects(app.net.listen(path, { kind: 'svc' }), { code: 'KINDS_ERR_ADDRESS_IN_USE', message: new RegExp(path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) })
  t.ok(lstatSync(path).isSocket(), 'the live socket file is left alone')
  t.same(app.net.list(), [])
})

test('net.listen does not remove a path that is a plain file', async t => {
  const { app } = await build(t)
  const path = join(tempDir(t), 'not-a-socket')
  writeFileSync(path, 'data')
  await app.http.config(hello, 'svc')
  await t.rejects(app.net.listen(path, { kind: 'svc' }), { code: 'KINDS_ERR_ADDRESS_IN_USE' })
  t.ok(lstatSync(path).isFile(), 'the file is still there')
})
