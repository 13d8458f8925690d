// End to end: the seed chapter's program (examples/seed-chapter) and the seed's own curl commands.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import tls from 'node:tls'
import { fileURLToPath } from 'node:url'
import tap, { test } from 'tap'
import { freePort, settles, which } from '../packages/kind-router/test/support/child.ts'

const root = fileURLToPath(new URL('..', import.meta.url))

const curlPath = which('curl')
const noCurl = curlPath === undefined ? 'curl is not installed: the seed\'s commands need the real curl binary (apt-get install curl)' : false

interface Curl { code: number | null, stdout: Buffer, stderr: string }
function curl (...args: string[]): Promise<Curl> {
  return new Promise((resolve, reject) => {
    const child = spawn(curlPath!, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', chunk => { stderr += String(chunk) })
    child.on('error', reject)
    child.on('close', code => resolve({ code, stdout: Buffer.concat(out), stderr }))
  })
}

/** `curl -s -i` output split into status line, lower-cased headers and body. */
function parse (result: Curl): { status: string, headers: Record<string, string>, body: string } {
  const text = result.stdout.toString('latin1')
  const end = text.indexOf('\r\n\r\n')
  const [status = '', ...lines] = text.slice(0, end).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status: status.trim(), headers, body: text.slice(end + 4) }
}

/** Unmasked server frames: [opcode, payload] for each whole frame, and the bytes left over. */
function frames (bytes: Buffer): { frames: Array<[number, string]>, rest: number } {
  const out: Array<[number, string]> = []
  let at = 0
  while (at + 2 <= bytes.length) {
    const length = bytes[at + 1]! & 0x7f
    if (length > 125 || at + 2 + length > bytes.length) break
    out.push([bytes[at]!, bytes.subarray(at + 2, at + 2 + length).toString('utf8')])
    at += 2 + length
  }
  return { frames: out, rest: bytes.length - at }
}

const webmgmtPort = await freePort()
const servicePort = await freePort()
const health = `https://localhost:${webmgmtPort}/health`
const service = `http://localhost:${servicePort}/service`
const logs: Array<Record<string, unknown>> = []
let stderr = ''

const env: NodeJS.ProcessEnv = { ...process.env, WEBMGMT_PORT: String(webmgmtPort), SERVICE_PORT: String(servicePort), HOST: '127.0.0.1', LOG_LEVEL: 'info' }
delete env.NODE_OPTIONS
const seed = spawn(process.execPath, ['--import', 'tsx', 'examples/seed-chapter/index.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>(resolve => seed.once('close', (code, signal) => resolve({ code, signal })))
seed.stderr.on('data', chunk => { stderr += String(chunk) })
const lineSeen = new Set<() => void>()
createInterface({ input: seed.stdout }).on('line', line => {
  try {
    logs.push(JSON.parse(line) as Record<string, unknown>)
  } catch {
    logs.push({ text: line })
  }
  for (const wake of lineSeen) wake()
})
tap.teardown(() => { if (seed.exitCode === null && seed.signalCode === null) seed.kill('SIGKILL') })

/** The first log line whose msg matches, seen or to come. */
function logLine (msg: RegExp | string, what: string): Promise<Record<string, unknown>> {
  const match = (l: Record<string, unknown>): boolean => typeof l.msg === 'string' && (typeof msg === 'string' ? l.msg === msg : msg.test(l.msg))
  return settles(new Promise((resolve, reject) => {
    const check = (): void => {
      const found = logs.find(match)
      if (found === undefined) return
      lineSeen.delete(check)
      resolve(found)
    }
    lineSeen.add(check)
    check()
    exited.then(exit => reject(new Error(`the seed exited (${JSON.stringify(exit)}) before ${what}: ${stderr}`)), () => {})
  }), what, 30_000)
}

tap.before(async () => {
  await logLine(/^myservice on /, 'the seed logging its URLs')
})

test('the log says listening for both kinds, the certificate fingerprint and the URLs', async t => {
  const listening = logs.filter(l => l.msg === 'listening')
  t.match(listening, [{ kind: 'webmgmt', port: webmgmtPort }, { kind: 'myservice', port: servicePort }], 'a listening line per kind')
  const made = await logLine('ephemeral TLS certificate made', 'the certificate line')
  t.match(made.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/, 'the SHA-256 fingerprint is logged')
  const socket = tls.connect({ host: '127.0.0.1', port: webmgmtPort, servername: 'localhost', rejectUnauthorized: false })
  await once(socket, 'secureConnect')
  const served = socket.getPeerCertificate().fingerprint256
  socket.destroy()
  t.equal(made.fingerprint256, served, 'it is the fingerprint of the certificate webmgmt serves')
  t.ok(logs.some(l => l.msg === `webmgmt on http://127.0.0.1:${webmgmtPort} and https://127.0.0.1:${webmgmtPort} (h2, http/1.1, h2c)`), 'the webmgmt URLs are logged')
  t.ok(logs.some(l => l.msg === `myservice on http://127.0.0.1:${servicePort} and https://127.0.0.1:${servicePort} (h2, http/1.1, h2c)`), 'the myservice URLs are logged')
})

for (const flags of [[], ['--http1.1']]) {
  const version = flags.length === 0 ? 'HTTP/2' : 'HTTP/1.1'
  test(`curl -k ${flags.join(' ')}${flags.length > 0 ? ' ' : ''}https://localhost:8453/health answers the JSON over ${version}`, { skip: noCurl }, async t => {
    const result = await curl('-s', '-k', ...flags, '-w', '\n%{http_version} %{http_code}', health)
    t.equal(result.code, 0, `curl succeeds ${result.stderr}`)
    t.equal(result.stdout.toString(), `{"state":"up","uptime":0}\n${version === 'HTTP/2' ? '2' : '1.1'} 200`, 'the seed\'s JSON, compact')
  })
}

test('curl --http1.1 with the seed\'s upgrade headers gets the seed\'s 101 header block, then ["up"] frames', { skip: noCurl }, async t => {
  const result = await curl('-k', '--http1.1', '-s', '-i', '-N', '--max-time', '2.5',
    '-H', 'Connection: Upgrade', '-H', 'Upgrade: websocket', '-H', 'Host: localhost:8453/health',
    '-H', 'Sec-Websocket-Key: nope', '-H', 'Sec-Websocket-Version: 13', health)
  t.equal(result.code, 28, 'curl reads the stream until --max-time')
  const head = 'HTTP/1.1 101 Switching Protocols\r\n' +
    'upgrade: websocket\r\n' +
    'sec-websocket-accept: eg18mwU7CDRGUF1Q+EJwPM335eM=\r\n' +
    'connection: upgrade\r\n' +
    '\r\n'
  t.equal(result.stdout.subarray(0, head.length).toString('latin1'), head, 'the header block, byte for byte')
  const stream = frames(result.stdout.subarray(head.length))
  t.ok(stream.frames.length >= 1, `frames follow (${stream.frames.length})`)
  t.same(stream.frames.filter(([opcode, payload]) => opcode !== 0x81 || payload !== '["up"]'), [], 'every frame is a text frame ["up"]')
  t.equal(stream.rest, 0, 'nothing but whole frames')
})

test('the seed\'s WebSocket line as printed, without --http1.1: curl speaks HTTP/2 and gets HTTP/2 200 and the plain JSON, as from Knot Resolver', { skip: noCurl }, async t => {
  // curl sends the seed's "Host: localhost:8453/health" as :authority, which nghttp2 alone would reset (PROTOCOL_ERROR).
  const result = await curl('-k', '-s', '-i', '-N', '--max-time', '2.5',
    '-H', 'Connection: Upgrade', '-H', 'Upgrade: websocket', '-H', 'Host: localhost:8453/health',
    '-H', 'Sec-Websocket-Key: nope', '-H', 'Sec-Websocket-Version: 13', health)
  t.equal(result.code, 0, `curl succeeds ${result.stderr}`)
  const response = parse(result)
  t.equal(response.status, 'HTTP/2 200', 'an HTTP/2 200, no upgrade')
  t.equal(response.headers['content-type'], 'application/json', 'the endpoint\'s MIME')
  t.equal(response.body, '{"state":"up","uptime":0}', 'the plain JSON')
})

test('the RESTful /service: GET 42, POST abc is a 500, POST 7 a 204, GET 7, PUT a 405', { skip: noCurl }, async t => {
  const get1 = parse(await curl('-s', '-i', service))
  t.equal(get1.status, 'HTTP/1.1 200 OK', 'GET is a 200')
  t.equal(get1.headers['content-type'], 'application/json', 'as JSON')
  t.same(JSON.parse(get1.body), { key: '/service', value: 42 }, 'with the path and the value 42')

  const bad = parse(await curl('-s', '-i', '-d', 'abc', service))
  t.equal(bad.status, 'HTTP/1.1 500 Internal Server Error', 'POST abc is a 500')
  t.equal(bad.body, 'Not a good request', 'with the handler\'s body')

  const good = parse(await curl('-s', '-i', '-d', '7', service))
  t.equal(good.status, 'HTTP/1.1 204 No Content', 'POST 7 is a 204')
  t.equal(good.body, '', 'with no body')

  const get2 = parse(await curl('-s', '-i', service))
  t.same(JSON.parse(get2.body), { key: '/service', value: 7 }, 'the value POSTed is kept')

  const put = parse(await curl('-s', '-i', '-X', 'PUT', service))
  t.equal(put.status, 'HTTP/1.1 405 Method Not Allowed', 'PUT is a 405')
  t.equal(put.body, 'Cannot do that', 'with the handler\'s body')
})

test('/binary sends its own headers: binary-data as binary/octet-stream', { skip: noCurl }, async t => {
  const binary = parse(await curl('-s', '-i', `http://localhost:${servicePort}/binary`))
  t.equal(binary.status, 'HTTP/1.1 200 OK', 'the status the handler wrote')
  t.equal(binary.headers['content-type'], 'binary/octet-stream', 'the content-type the handler wrote')
  t.equal(binary.body, 'binary-data', 'the chunk the handler wrote')
})

test('--http1.1 changes nothing on the walkthrough\'s http:// lines: curl speaks HTTP/1.1 to them either way', { skip: noCurl }, async t => {
  const lines = [[service], ['-d', 'abc', service], ['-X', 'PUT', service], [`http://localhost:${servicePort}/binary`]]
  for (const line of lines) {
    const plain = parse(await curl('-s', '-i', ...line))
    const forced = parse(await curl('-s', '-i', '--http1.1', ...line))
    delete plain.headers.date
    delete forced.headers.date
    t.match(plain.status, /^HTTP\/1\.1 /, `curl ${line.join(' ')} is HTTP/1.1`)
    t.same(forced, plain, `curl --http1.1 ${line.join(' ')} gets the same answer`)
  }
})

test('SIGTERM makes it close and exit with code 0', async t => {
  seed.kill('SIGTERM')
  t.same(await settles(exited, 'the seed exiting', 15_000), { code: 0, signal: null }, 'exit code 0')
  t.ok(logs.some(l => l.msg === 'closing' && l.signal === 'SIGTERM'), 'it logs that it is closing')
})
