// The consumer test: the three packages packed as they would be published, installed with npm
// into an ordinary Fastify app outside the workspace, type-checked strictly, run, and probed over
// real sockets. The app pins the lowest Fastify the packages accept, so this is also its proof.
import t from 'tap'
import { spawn, type SpawnOptions } from 'node:child_process'
import { once } from 'node:events'
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import WebSocket from 'ws'

/** The lowest Fastify the packages' peerDependencies accept: every 5.x before it fails at import. */
const LOWEST_FASTIFY = '5.10.0'
const PACKAGES = ['endpoint-table', 'kind-router', 'snippets-ui']
const root = fileURLToPath(new URL('../..', import.meta.url))

// npm install on a fresh machine takes most of this; the runner's default would cut it.
t.setTimeout(240_000)

interface Run { code: number | null, stdout: string, stderr: string }

function run (command: string, args: string[], options: SpawnOptions = {}): Promise<Run> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options })
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', chunk => { stdout += chunk })
    child.stderr?.on('data', chunk => { stderr += chunk })
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000)
    child.once('error', reject)
    child.once('close', code => {
      clearTimeout(timer)
      // Where the time goes, for whoever wonders why this test is slow (no assertion on it).
      if (Date.now() - started > 2000) t.comment(`${command} ${args.slice(0, 2).join(' ')}: ${((Date.now() - started) / 1000).toFixed(1)} s`)
      resolve({ code, stdout, stderr })
    })
  })
}

/** The pnpm that runs the tests (`pnpm test`), else the pinned one through npx. */
function pnpm (): [string, string[]] {
  const execPath = process.env.npm_execpath
  if (execPath !== undefined && /pnpm/.test(execPath)) return [process.execPath, [execPath]]
  return ['npx', ['-y', 'pnpm@10.34.8']]
}

async function get (url: string, init: Parameters<typeof request>[1] = {}): Promise<{ status: number, body: string, type: string }> {
  const res = await request(url, init)
  return { status: res.statusCode, body: await res.body.text(), type: String(res.headers['content-type'] ?? '') }
}

function firstMessage (url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    const timer = setTimeout(() => { ws.terminate(); reject(new Error(`no message from ${url}`)) }, 10_000)
    ws.once('message', data => {
      clearTimeout(timer)
      ws.close()
      resolve(String(data))
    })
    ws.once('error', err => { clearTimeout(timer); reject(err) })
  })
}

const work = mkdtempSync(join(tmpdir(), 'kinds-consumer-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))
const app = join(work, 'app')

t.test('the three packages pack with pnpm pack into tarballs with dist, LICENSE and no workspace: ranges', async t => {
  const [command, prefix] = pnpm()
  for (const name of PACKAGES) {
    const packed = await run(command, [...prefix, 'pack', '--pack-destination', work], { cwd: join(root, 'packages', name) })
    t.equal(packed.code, 0, `pnpm pack of ${name}`) || t.comment(packed.stdout + packed.stderr)
  }
  const tarballs = readdirSync(work).filter(f => f.endsWith('.tgz')).sort()
  t.same(tarballs, ['kinds-endpoint-table-0.1.0.tgz', 'kinds-kind-router-0.1.0.tgz', 'kinds-snippets-ui-0.1.0.tgz'])
  for (const tarball of tarballs) {
    const list = await run('tar', ['-tzf', join(work, tarball)])
    t.match(list.stdout, /^package\/dist\/index\.js$/m, `${tarball}: dist/index.js`)
    t.match(list.stdout, /^package\/dist\/index\.d\.ts$/m, `${tarball}: types`)
    t.match(list.stdout, /^package\/LICENSE$/m, `${tarball}: LICENSE`)
    t.match(list.stdout, /^package\/README\.md$/m, `${tarball}: README`)
    t.notMatch(list.stdout, /test\/|tsbuildinfo/, `${tarball}: no tests, no build state`)
    const manifest = await run('tar', ['-xzOf', join(work, tarball), 'package/package.json'])
    t.notMatch(manifest.stdout, /workspace:/, `${tarball}: no workspace: range`)
  }
  const ui = await run('tar', ['-tzf', join(work, 'kinds-snippets-ui-0.1.0.tgz')])
  t.match(ui.stdout, /^package\/dist\/client\/app\.js$/m, 'snippets-ui ships its built page script')
  t.match(ui.stdout, /^package\/dist\/client\/app\.css$/m, 'and its styles')
})

t.test(`npm installs them with Fastify ${LOWEST_FASTIFY} into an app outside the workspace, and its strict type check passes`, async t => {
  cpSync(join(root, 'test', 'consumer', 'app'), app, { recursive: true })
  writeFileSync(join(app, 'package.json'), JSON.stringify({
    name: 'existing-service',
    private: true,
    type: 'module',
    dependencies: {
      '@fastify/websocket': '^11.2.0',
      '@kinds/endpoint-table': 'file:../kinds-endpoint-table-0.1.0.tgz',
      '@kinds/kind-router': 'file:../kinds-kind-router-0.1.0.tgz',
      '@kinds/snippets-ui': 'file:../kinds-snippets-ui-0.1.0.tgz',
      fastify: LOWEST_FASTIFY
    },
    devDependencies: { '@types/node': '^20.19.0' }
  }, null, 2))
  // npm's own cache (~/.npm) keeps a second run off the network.
  const installed = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: app })
  t.equal(installed.code, 0, 'npm install') || t.comment(installed.stderr)
  const version = await run(process.execPath, ['-p', 'require("fastify/package.json").version'], { cwd: app })
  t.equal(version.stdout.trim(), LOWEST_FASTIFY, 'the lowest Fastify is the one installed')
  // The workspace's compiler, the app's own node_modules: strict, exactOptionalPropertyTypes, skipLibCheck false.
  const typed = await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: app })
  t.equal(typed.code, 0, 'tsc of the app and every .d.ts it reaches') || t.comment(typed.stdout + typed.stderr)
})

t.test('the app runs: its own routes and handlers, two tables, a kind, the page and /metrics over real sockets; SIGTERM exits 0', async t => {
  const temp = mkdtempSync(join(work, 'tmp-'))
  const child = spawn(process.execPath, ['dist/app.js'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: temp } })
  let stderr = ''
  child.stderr.on('data', chunk => { stderr += chunk })
  const exited = once(child, 'exit')
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const [line] = await Promise.race([once(child.stdout, 'data'), exited.then(() => { throw new Error(`the app exited: ${stderr}`) })]) as [Buffer]
  const ports = JSON.parse(String(line)) as { own: number, kind: number, webmgmt: number }
  const own = `127.0.0.1:${ports.own}`

  t.same(JSON.parse((await get(`http://${own}/hello`)).body), { app: 'hello' }, 'its own route, on its own port')
  t.equal(await firstMessage(`ws://${own}/app-ws`), 'app ws', 'its own @fastify/websocket route')
  const missing = await get(`http://${own}/nowhere`)
  t.equal(missing.status, 404)
  t.same(JSON.parse(missing.body), { app: 'not found', url: '/nowhere' }, 'its own not-found handler')
  const failed = await get(`http://${own}/fail`)
  t.equal(failed.status, 418, 'its own error handler')
  const csv = await get(`http://${own}/csv`, { method: 'POST', body: 'a,b', headers: { 'content-type': 'text/csv' } })
  t.same(JSON.parse(csv.body), { fields: ['a', 'b'] }, 'its own content-type parser')

  t.same(JSON.parse((await get(`http://${own}/one/service`)).body), { table: 'one' }, 'table one under /one')
  t.same(JSON.parse((await get(`http://${own}/two/service`)).body), { table: 'two' }, 'table two under /two')
  t.equal(await firstMessage(`ws://${own}/one/live`), 'ws one', 'table one\'s WebSocket')
  t.equal(await firstMessage(`ws://${own}/two/live`), 'ws two', 'table two\'s WebSocket')
  const tableMissing = await get(`http://${own}/one/nowhere`)
  t.same([tableMissing.status, tableMissing.body], [404, ''], 'a table\'s own not-found within its prefix')

  t.same(JSON.parse((await get(`http://127.0.0.1:${ports.kind}/service`)).body), { kind: 'myservice' }, 'the kind on its port')
  const page = await get(`http://127.0.0.1:${ports.webmgmt}/`)
  t.equal(page.status, 200, 'the webmgmt page')
  t.match(page.body, '<p>adopted</p>', 'with the app\'s snippet')
  const script = /<script[^>]+src="([^"]+)"/.exec(page.body)?.[1]
  t.ok(script, 'the page links its script')
  const js = await get(`http://127.0.0.1:${ports.webmgmt}${script ?? '/missing'}`)
  t.equal(js.status, 200, 'and the script loads')
  t.match(js.type, /javascript/)
  const metrics = await get(`http://127.0.0.1:${ports.webmgmt}/metrics`)
  t.equal(metrics.status, 200, '/metrics answers')
  t.match(metrics.body, /^# HELP /m)

  child.kill('SIGTERM')
  const [code, signal] = await exited
  t.same({ code, signal }, { code: 0, signal: null }, 'SIGTERM: exit 0')
  t.notMatch(stderr, /error/i, 'nothing on stderr about an error')
  t.same(readdirSync(temp), [], 'nothing left in the temp folder (the ephemeral key stayed in memory)')
})
