import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { Agent } from 'undici'
import { build, fetchText, tempDir } from './support/sockets.ts'

function curl (args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['--silent', '--show-error', ...args], { timeout: 10_000 }, (err, stdout) => {
      if (err) reject(err)
      else resolve(stdout)
    })
  })
}

test('listens on a Unix socket path', async t => {
  const { app } = await build(t)
  const socketPath = join(tempDir(t), 'svc.sock')
  await app.http.config({ endpoints: { '/hello': ['text/plain', (h) => `hello ${h.get(':method') ?? ''}`] } }, 'svc')
  const infos = await app.net.listen(socketPath, { kind: 'svc' })
  t.equal(infos.length, 1)
  t.equal(infos[0]?.path, socketPath)
  t.equal(infos[0]?.port, undefined, 'no port for a path')
  t.ok(existsSync(socketPath), 'the socket file exists')

  const client = new Agent({ connect: { socketPath } })
  t.teardown(() => client.destroy())
  const reply = await fetchText('http://localhost/hello', client)
  t.equal(reply.status, 200)
  t.equal(reply.body, 'hello GET')

  t.equal(await curl(['--unix-socket', socketPath, 'http://localhost/hello']), 'hello GET', 'curl --unix-socket gets it too')

  await client.close()
  await app.net.close(socketPath)
  t.same(app.net.list(), [], 'net.close(path) closes it')
  t.notOk(existsSync(socketPath), 'the socket file is removed')
})
