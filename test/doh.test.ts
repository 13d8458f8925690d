// End to end: DNS over HTTPS (RFC 8484) as a kind, in front of a Knot Resolver the test starts (hints only, no network).
import { execFile, spawn } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import dnsPacket from 'dns-packet'
import Fastify, { type FastifyInstance } from 'fastify'
import tap, { test } from 'tap'
import kindRouter from '@kinds/kind-router'
import snippetsUi from '@kinds/snippets-ui'
import { dohEndpoints } from '@kinds/endpoint-table/doh'
import { forward } from '../packages/endpoint-table/src/doh/upstream.ts'
import { freePort, startChild, which } from '../packages/kind-router/test/support/child.ts'
import { settles } from '../packages/kind-router/test/support/sockets.ts'

/** A tool the test runs: in CI its absence fails the test, here it skips with a reason. */
function missing (name: string, pkg: string): string | false {
  if (which(name) !== undefined || process.env.CI === 'true') return false
  return `${name} is not installed (apt-get install ${pkg})`
}
const noKresd = missing('kresd', 'knot-resolver')
const noKdig = missing('kdig', 'knot-dnsutils') || noKresd
const noCurl = missing('curl', 'curl') || noKresd

function run (command: string, args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise(resolve => {
    execFile(command, args, { timeout: 15_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr })
    })
  })
}

function query (name: string, id = 0): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name, class: 'IN' }] })
}

const ADDRESS = '192.0.2.7'
const MANY = 60

/** Knot Resolver on a free port, answering www.example.com (TTL 5) and many.example.com (60 addresses, truncated over UDP without EDNS) from its hints. */
async function startKresd (): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'kinds-kresd-'))
  const port = await freePort()
  writeFileSync(join(dir, 'config.lua'), [
    "trust_anchors.remove('.')",
    "modules.unload('ta_update')",
    "modules.load('hints > iterate')",
    `hints['www.example.com'] = '${ADDRESS}'`,
    `for i = 1, ${MANY} do hints['many.example.com'] = '192.0.2.' .. i end`,
    `net.listen('127.0.0.1', ${port}, { kind = 'dns' })`
  ].join('\n'))
  const kresd = spawn('kresd', ['-n', '-c', 'config.lua', dir], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  kresd.stderr.on('data', chunk => { stderr += String(chunk) })
  tap.teardown(() => {
    kresd.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  const upstream = { host: '127.0.0.1', port }
  for (let i = 0; i < 100; i++) {
    if (kresd.exitCode !== null) throw new Error(`kresd exited: ${stderr}`)
    try {
      await forward(query('www.example.com', 1), upstream, 100)
      return `127.0.0.1:${port}`
    } catch {
      // Refused at once while kresd is not listening yet.
      await new Promise(resolve => setTimeout(resolve, 50))
    }
  }
  throw new Error(`kresd does not answer on ${port}: ${stderr}`)
}

const upstream = noKresd === false ? await startKresd() : '127.0.0.1:9'

interface Built { app: FastifyInstance, doh: number, webmgmt: number }
async function build (t: Pick<typeof tap, 'teardown'>, options: Parameters<typeof dohEndpoints>[0] = { upstream }): Promise<Built> {
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  await app.register(kindRouter, { socketActivation: false })
  await app.register(snippetsUi, { name: 'doh' })
  await app.http.config({ endpoints: dohEndpoints(options) }, 'doh')
  const [w] = await app.net.listen('127.0.0.1', 0, { kind: 'webmgmt' })
  const [d] = await app.net.listen('127.0.0.1', 0, { kind: 'doh' })
  return { app, doh: d!.port!, webmgmt: w!.port! }
}

function addresses (answer: Buffer): string[] {
  return (dnsPacket.decode(answer).answers ?? []).map(a => (a as { data: string }).data)
}

const kdigAnswer = new RegExp(`www\\.example\\.com\\.\\s+\\d+\\s+IN\\s+A\\s+${ADDRESS.replaceAll('.', '\\.')}`)

test('kdig +https asks over HTTP/2 and TLS, POST on /dns-query and GET on /doh, and gets the upstream\'s answer', { skip: noKdig }, async t => {
  const { doh } = await build(t)
  for (const [how, args] of [['POST /dns-query', ['+https']], ['GET /doh', ['+https=/doh', '+https-get']]] as const) {
    const result = await run('kdig', ['@127.0.0.1', '-p', String(doh), ...args, 'www.example.com', 'A'])
    t.equal(result.code, 0, `kdig succeeds ${result.stderr}`)
    t.match(result.stdout, new RegExp(`HTTP session \\(HTTP/2-${how.split(' ')[0]}\\)-\\(127\\.0\\.0\\.1${how.split(' ')[1]!.replace('/', '\\/')}\\)-\\(status: 200\\)`), `${how} over HTTP/2`)
    t.match(result.stdout, kdigAnswer, 'the address from the upstream')
  }
})

test('curl --http1.1 gets the answer for GET with ?dns= among other parameters and for POST, with max-age and any origin', { skip: noCurl }, async t => {
  const { doh } = await build(t)
  const dns = query('www.example.com').toString('base64url')
  const dir = mkdtempSync(join(tmpdir(), 'kinds-doh-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'q.bin'), query('www.example.com'))
  for (const [scheme, extra] of [['http', []], ['https', ['-k']]] as const) {
    for (const args of [[`${scheme}://127.0.0.1:${doh}/doh?ct=1&dns=${dns}&x=y`], ['-H', 'content-type: application/dns-message', '--data-binary', `@${join(dir, 'q.bin')}`, `${scheme}://127.0.0.1:${doh}/dns-query`]]) {
      const out = join(dir, 'a.bin')
      const result = await run('curl', ['-s', '--http1.1', ...extra, '-D', '-', '-o', out, ...args])
      t.match(result.stdout, /^HTTP\/1\.1 200 /, `${scheme} ${args.length === 1 ? 'GET' : 'POST'} over HTTP/1.1 is a 200`)
      t.match(result.stdout, /\r\ncontent-type: application\/dns-message\r\n/, 'application/dns-message')
      t.match(result.stdout, /\r\ncache-control: max-age=5\r\n/, 'max-age is the answer\'s TTL (5 s for hints)')
      t.match(result.stdout, /\r\naccess-control-allow-origin: \*\r\n/, 'any origin')
      t.same(addresses(readFileSync(out)), [ADDRESS], 'the upstream\'s answer')
    }
  }
})

test('the original\'s error table: 405, 400, 414, 413, 415, with its plain-text reasons', { skip: noKresd }, async t => {
  const { doh } = await build(t)
  const base = `http://127.0.0.1:${doh}`
  const good = query('www.example.com')
  const cases: Array<[string, string, RequestInit, number, string]> = [
    ['PUT', '/doh', { method: 'PUT' }, 405, 'only HTTP POST and GET are supported'],
    ['DELETE with a query', `/dns-query?dns=${good.toString('base64url')}`, { method: 'DELETE' }, 405, 'only HTTP POST and GET are supported'],
    ['GET without dns=', '/doh?name=x', {}, 400, 'base64url query not found'],
    ['GET with padding', `/doh?dns=${good.toString('base64')}==`, {}, 400, 'base64url query not found'],
    ['GET with a bad character', '/doh?dns=AAAB!AAA', {}, 400, 'base64url query not found'],
    ['GET too short', '/doh?dns=AAAAAAAA', {}, 400, 'input too short'],
    ['GET not a DNS message', `/doh?dns=${Buffer.alloc(20).toString('base64url')}`, {}, 400, 'unparseable DNS message'],
    ['GET parameter over 1368 characters', `/doh?dns=${'A'.repeat(1372)}`, {}, 414, 'query parameter in URI too long'],
    ['POST over 1024 bytes', '/doh', { method: 'POST', headers: { 'content-type': 'application/dns-message' }, body: Buffer.alloc(1025) }, 413, 'input too long'],
    ['POST too short', '/doh', { method: 'POST', headers: { 'content-type': 'application/dns-message' }, body: Buffer.alloc(5) }, 400, 'input too short'],
    ['POST of another type', '/doh', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: good }, 415, 'only Content-Type: application/dns-message is supported'],
    ['POST of a form (curl --data)', '/doh', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: good }, 415, 'only Content-Type: application/dns-message is supported']
  ]
  for (const [what, path, init, code, reason] of cases) {
    const res = await fetch(base + path, init)
    t.equal(res.status, code, `${what}: ${code}`)
    t.equal(await res.text(), reason, 'with the original\'s reason')
    t.equal(res.headers.get('access-control-allow-origin'), null, 'no any-origin on an error')
  }
  const put = await fetch(`${base}/doh`, { method: 'PUT' })
  t.equal(put.headers.get('allow'), 'GET, POST', 'a 405 says what is allowed')
})

test('a truncated UDP answer is asked again over TCP', { skip: noKresd }, async t => {
  const { doh } = await build(t)
  const res = await fetch(`http://127.0.0.1:${doh}/doh?dns=${query('many.example.com').toString('base64url')}`)
  t.equal(res.status, 200)
  const answer = dnsPacket.decode(Buffer.from(await res.arrayBuffer()))
  t.equal(answer.flag_tc, false, 'the answer is not truncated')
  t.equal(answer.answers?.length, MANY, `all ${MANY} addresses, more than UDP without EDNS carries`)
})

test('an upstream that does not answer within timeout gets the client a 504', async t => {
  const silent = createSocket('udp4')
  silent.bind(0, '127.0.0.1')
  await once(silent, 'listening')
  let received = 0
  silent.on('message', () => { received++ })
  t.teardown(() => silent.close())
  const { doh } = await build(t, { upstream: `127.0.0.1:${silent.address().port}`, timeout: 200 })
  const res = await settles(fetch(`http://127.0.0.1:${doh}/doh?dns=${query('www.example.com').toString('base64url')}`), 'the 504')
  t.equal(res.status, 504, 'a 504')
  t.equal(await res.text(), 'upstream timed out')
  t.equal(received, 1, 'the query reached the upstream once')
})

test('an IPv6 upstream written in a long form gets its answers, and an unreachable one a 502 at once', async t => {
  const fake = createSocket('udp6')
  fake.bind(0, '::1')
  await once(fake, 'listening')
  // Answers every query with one A record, as an upstream would.
  fake.on('message', (message, from) => {
    const asked = dnsPacket.decode(message)
    const answer = dnsPacket.encode({ id: asked.id, type: 'response', flags: dnsPacket.RECURSION_DESIRED, questions: asked.questions, answers: [{ type: 'A', name: 'www.example.com', ttl: 5, data: ADDRESS }] })
    fake.send(answer, from.port, from.address)
  })
  t.teardown(() => fake.close())
  const { doh } = await build(t, { upstream: `[0:0:0::1]:${fake.address().port}`, timeout: 2000 })
  const res = await settles(fetch(`http://127.0.0.1:${doh}/doh?dns=${query('www.example.com').toString('base64url')}`), 'the answer')
  t.equal(res.status, 200, 'a 200, not a 504: the answer from ::1 counts for 0:0:0::1')
  t.same(addresses(Buffer.from(await res.arrayBuffer())), [ADDRESS], 'the upstream\'s answer')
  // Nothing listens there: the kernel says so, and the client hears it long before the timeout.
  const closed = createSocket('udp6')
  closed.bind(0, '::1')
  await once(closed, 'listening')
  const port = closed.address().port
  closed.close()
  const gone = await build(t, { upstream: `[::1]:${port}`, timeout: 10_000 })
  const refused = await settles(fetch(`http://127.0.0.1:${gone.doh}/doh?dns=${query('www.example.com').toString('base64url')}`), 'the 502', 5000)
  t.equal(refused.status, 502, 'a 502 for an upstream that refuses')
})

test('an upstream whose truncated answer cannot be asked again over TCP gets the client a 502', async t => {
  // Answers every UDP query truncated; nothing listens on its port over TCP.
  const truncating = createSocket('udp4')
  truncating.on('message', (message, from) => {
    const answer = Buffer.from(message)
    answer.writeUInt16BE(0x8000 | dnsPacket.TRUNCATED_RESPONSE | answer.readUInt16BE(2), 2)
    truncating.send(answer, from.port, from.address)
  })
  truncating.bind(0, '127.0.0.1')
  await once(truncating, 'listening')
  t.teardown(() => truncating.close())
  const { doh } = await build(t, { upstream: `127.0.0.1:${truncating.address().port}`, timeout: 2000 })
  const res = await fetch(`http://127.0.0.1:${doh}/doh?dns=${query('www.example.com').toString('base64url')}`)
  t.equal(res.status, 502, 'a 502')
  t.equal(await res.text(), 'upstream failed')
})

test('forwarding leaves no timer and no socket behind, over UDP, TCP, and on a timeout', { skip: noKresd }, async t => {
  const [host, port] = upstream.split(':') as [string, string]
  const kinds = (): string[] => process.getActiveResourcesInfo().filter(r => /Timeout|UDP|TCP/.test(r)).sort()
  // Handles close on a later turn of the event loop: let those of earlier tests go first.
  const quiet = async (count: number): Promise<void> => {
    for (let i = 0; i < 50 && kinds().length > count; i++) await new Promise(resolve => setTimeout(resolve, 10))
  }
  await quiet(0)
  const before = kinds()
  t.same(addresses(await forward(query('www.example.com', 7), { host, port: Number(port) }, 2000)), [ADDRESS], 'over UDP')
  t.equal(addresses(await forward(query('many.example.com', 8), { host, port: Number(port) }, 2000)).length, MANY, 'over TCP')
  const silent = createSocket('udp4')
  silent.bind(0, '127.0.0.1')
  await once(silent, 'listening')
  await t.rejects(forward(query('www.example.com'), { host: '127.0.0.1', port: silent.address().port }, 50), { name: 'UpstreamTimeout' }, 'a timeout')
  await new Promise<void>(resolve => silent.close(resolve))
  await quiet(before.length)
  t.same(kinds(), before, 'the same timers and sockets as before')
})

test('DoH requests are counted in /stats and /metrics like any kind', { skip: noKresd }, async t => {
  const { doh, webmgmt } = await build(t)
  const dns = query('www.example.com').toString('base64url')
  for (let i = 0; i < 3; i++) t.equal((await fetch(`http://127.0.0.1:${doh}/doh?dns=${dns}`)).status, 200)
  t.equal((await fetch(`http://127.0.0.1:${doh}/doh`)).status, 400)
  const stats = await (await fetch(`http://127.0.0.1:${webmgmt}/stats`)).json() as Record<string, number>
  t.equal(stats['kind.doh.request.total'], 4, 'four requests of the doh kind')
  t.equal(stats['kind.doh.request.2xx'], 3, 'three answered')
  t.equal(stats['kind.doh.request.4xx'], 1, 'one refused')
  t.match(await (await fetch(`http://127.0.0.1:${webmgmt}/metrics`)).text(), /kind="doh"/, '/metrics has the kind')
})

test('dohEndpoints refuses a bad upstream or timeout when it is called, naming the option', async t => {
  for (const upstream of ['nope', 'localhost:53', '127.0.0.1:99999', '[::1', '']) {
    t.throws(() => dohEndpoints({ upstream }), { code: 'KINDS_ERR_OPTION', message: /upstream/ }, `upstream ${JSON.stringify(upstream)}`)
  }
  for (const timeout of [0, -1, 1.5, Number.NaN]) {
    t.throws(() => dohEndpoints({ timeout }), { code: 'KINDS_ERR_OPTION', message: /timeout/ }, `timeout ${timeout}`)
  }
  t.ok(dohEndpoints({ upstream: '[::1]:5353' })['/doh'], 'an IPv6 upstream with a port')
  t.ok(dohEndpoints({ upstream: '192.0.2.1' })['/dns-query'], 'the port defaults to 53')
})

test('pnpm start:doh: the example serves kdig over TLS and its webmgmt page counts the doh kind', { skip: noKdig }, async t => {
  const dohPort = await freePort()
  const webmgmtPort = await freePort()
  const child = startChild(t, process.execPath, ['--import', 'tsx', 'examples/doh/index.ts'], { DOH_PORT: String(dohPort), WEBMGMT_PORT: String(webmgmtPort), DOH_UPSTREAM: upstream, HOST: '127.0.0.1' })
  await child.line(l => l.msg === `DoH queries go to ${upstream}`, 'the example logging its upstream', 30_000)
  t.ok(child.lines.some(l => l.msg === `doh on http://127.0.0.1:${dohPort} and https://127.0.0.1:${dohPort} (h2, http/1.1, h2c)`), 'plain and TLS on DOH_PORT')
  const result = await run('kdig', ['@127.0.0.1', '-p', String(dohPort), '+https', 'www.example.com'])
  t.match(result.stdout, kdigAnswer, `kdig gets the answer ${result.stderr}`)
  const stats = await (await fetch(`http://127.0.0.1:${webmgmtPort}/stats`)).json() as Record<string, number>
  t.equal(stats['kind.doh.request.total'], 1, 'the page\'s /stats counts it')
  child.process.kill('SIGTERM')
  t.same(await settles(child.exited, 'the example exiting', 15_000), { code: 0, signal: null }, 'SIGTERM stops it with exit code 0')
})
