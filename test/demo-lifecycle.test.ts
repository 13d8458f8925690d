// The demo as a user starts it (`npm start`, as the README says): SIGTERM or SIGINT to that
// process stops the server, exits 0 and prints no error; the ports are free afterwards, and
// the ephemeral certificate's key left nothing in the temp folder.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import t, { test } from 'tap'
import { request } from 'undici'
import { freePort, settles } from '../packages/kind-router/test/support/child.ts'

const root = fileURLToPath(new URL('..', import.meta.url))

// Two starts of the demo through npm: on a loaded machine each takes tens of seconds.
t.setTimeout(180_000)

async function isFree (port: number): Promise<boolean> {
  const server = createServer()
  return new Promise(resolve => {
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} to npm start stops the demo: exit 0, no error printed, ports free, nothing left in the temp folder`, async t => {
    const temp = mkdtempSync(join(tmpdir(), 'kinds-demo-tmp-'))
    t.teardown(() => rmSync(temp, { recursive: true, force: true }))
    const [webmgmt, service] = [await freePort(), await freePort()]
    const env = { ...process.env, HOST: '127.0.0.1', WEBMGMT_PORT: String(webmgmt), SERVICE_PORT: String(service), TMPDIR: temp }
    const npm = spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    t.teardown(() => { if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL') })
    let stderr = ''
    let stdout = ''
    npm.stderr.on('data', chunk => { stderr += chunk })
    const exited = once(npm, 'exit')
    const lines = createInterface({ input: npm.stdout })
    const up = new Promise<void>(resolve => lines.on('line', line => {
      stdout += line + '\n'
      if (line.includes('myservice on ')) resolve()
    }))
    await settles(Promise.race([up, exited.then(() => { throw new Error(`the demo exited: ${stderr}`) })]), 'the demo listening', 60_000)
    const res = await request(`http://127.0.0.1:${service}/service`)
    t.same(await res.body.json(), { key: '/service', value: 42 }, 'the demo answers')

    npm.kill(signal)
    const [code, killedBy] = await settles(exited, 'npm start exiting', 20_000)
    t.same({ code, signal: killedBy }, { code: 0, signal: null }, 'exit code 0')
    t.notMatch(stderr, /ELIFECYCLE|error/i, 'no error on stderr')
    t.notMatch(stdout, /"level":5\d/, 'no error in the log')
    t.match(stdout, /"msg":"closing"/, 'the server closed itself')
    t.ok(await isFree(webmgmt) && await isFree(service), 'both ports are free: no server left behind')
    t.same(readdirSync(temp), [], 'nothing in the temp folder')
  })
}
