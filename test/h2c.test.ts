// End to end: cleartext HTTP/2 with prior knowledge (h2c) on plain-only ports and on the plain side of plain+TLS ports.
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import http2 from 'node:http2'
import net from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import tap, { test } from 'tap'
import kindRouter from '@kinds/kind-router'
import snippetsUi from '@kinds/snippets-ui'
import { which } from '../packages/kind-router/test/support/child.ts'
import { settles } from '../packages/kind-router/test/support/sockets.ts'

/** A tool the test runs: in CI its absence fails the test, here it skips with a reason. */
function tool (name: string, pkg: string): string | false {
  if (which(name) !== undefined || process.env.CI === 'true') return false
  return `${name} is not installed (apt-get install ${pkg})`
}
const noCurl = tool('curl', 'curl')
const noNghttp = tool('nghttp', 'nghttp2-client')
const noH2load = tool('h2load', 'nghttp2-client')

function run (command: string, args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise(resolve => {
    execFile(command, args, { timeout: 15_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr })
    })
  })
}

interface Ports { app: FastifyInstance, plain: number, auto: number, webmgmt: number }

/** webmgmt (plain+TLS), and one user kind listening twice: plain only, and plain+TLS. */
async function build (t: Pick<typeof tap, 'teardown'>, headersTimeout = 10_000): Promise<Ports> {
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  await app.register(kindRouter, { socketActivation: false })
  await app.register(snippetsUi, { name: 'h2c' })
  await app.http.config({ endpoints: { '/hello': ['text/plain', (h) => `hello over ${String(h.get(':authority'))}`] }, headersTimeout, requestTimeout: Math.max(headersTimeout, 1000) }, 'svc')
  await app.http.config({ endpoints: { '/hello': ['text/plain', () => 'hello plain'] }, tls: false, headersTimeout, requestTimeout: Math.max(headersTimeout, 1000) }, 'plainsvc')
  const [w] = await app.net.listen('127.0.0.1', 0, { kind: 'webmgmt' })
  const [p] = await app.net.listen('127.0.0.1', 0, { kind: 'plainsvc' })
  const [a] = await app.net.listen('127.0.0.1', 0, { kind: 'svc' })
  return { app, plain: p!.port!, auto: a!.port!, webmgmt: w!.port! }
}

async function h2Get (port: number, path: string): Promise<{ status: number, version: string, body: string }> {
  const session = http2.connect(`http://127.0.0.1:${port}`)
  try {
    const stream = session.request({ ':path': path })
    const headers = await settles(new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
      stream.once('response', resolve)
      stream.once('error', reject)
      session.once('error', reject)
    }), `the response to ${path}`)
    let body = ''
    stream.setEncoding('utf8')
    for await (const chunk of stream) body += chunk as string
    return { status: Number(headers[':status']), version: session.alpnProtocol ?? '', body }
  } finally {
    session.close()
  }
}

test('Node\'s HTTP/2 client gets h2c from a plain-only port and from the plain side of a plain+TLS port', async t => {
  const { plain, auto } = await build(t)
  t.same(await h2Get(plain, '/hello'), { status: 200, version: 'h2c', body: 'hello plain' }, 'plain-only port')
  t.same(await h2Get(auto, '/hello'), { status: 200, version: 'h2c', body: `hello over 127.0.0.1:${auto}` }, 'plain+TLS port')
})

test('the page, /stats and /metrics of webmgmt answer over h2c, and /stats counts the h2c requests', async t => {
  const { webmgmt, auto } = await build(t)
  const page = await h2Get(webmgmt, '/')
  t.equal(page.status, 200, 'the page')
  t.match(page.body, /<title>/, 'is HTML')
  for (let i = 0; i < 3; i++) t.equal((await h2Get(auto, '/hello')).status, 200)
  const stats = JSON.parse((await h2Get(webmgmt, '/stats')).body) as Record<string, number>
  t.equal(stats['kind.svc.request.total'], 3, 'the h2c requests of the user kind are counted')
  t.match((await h2Get(webmgmt, '/metrics')).body, /kind="svc"/, '/metrics over h2c has the kind')
})

test('curl --http2-prior-knowledge gets HTTP/2 on both kinds of port; curl without it still gets HTTP/1.1', { skip: noCurl }, async t => {
  const { plain, auto } = await build(t)
  for (const port of [plain, auto]) {
    const h2 = await run('curl', ['-s', '--http2-prior-knowledge', '-w', ' %{http_version} %{http_code}', `http://127.0.0.1:${port}/hello`])
    t.match(h2.stdout, /^hello .* 2 200$/, `h2c on ${port === plain ? 'plain-only' : 'plain+TLS'}`)
    const h1 = await run('curl', ['-s', '-w', ' %{http_version} %{http_code}', `http://127.0.0.1:${port}/hello`])
    t.match(h1.stdout, /^hello .* 1\.1 200$/, 'HTTP/1.1 on the same port')
  }
})

test('nghttp http:// fetches the page and /stats over h2c', { skip: noNghttp }, async t => {
  const { webmgmt } = await build(t)
  const result = await run('nghttp', ['-v', '-n', `http://127.0.0.1:${webmgmt}/`, `http://127.0.0.1:${webmgmt}/stats`])
  t.equal(result.code, 0, `nghttp succeeds ${result.stderr}`)
  t.equal(result.stdout.match(/recv HEADERS frame/g)?.length, 2, 'two responses on one connection')
  t.equal(result.stdout.match(/:status: 200/g)?.length, 2, 'both are 200')
  t.notMatch(result.stdout, /recv (GOAWAY|RST_STREAM)/, 'the server sends no reset and no GOAWAY')
})

test('h2load http:// completes every request over h2c on a plain-only port', { skip: noH2load }, async t => {
  const { plain } = await build(t)
  const result = await run('h2load', ['-n', '200', '-c', '4', '-m', '10', `http://127.0.0.1:${plain}/hello`])
  t.equal(result.code, 0, `h2load succeeds ${result.stderr}`)
  t.match(result.stdout, /requests: 200 total, 200 started, 200 done, 200 succeeded, 0 failed/, 'all 200 succeed')
  t.match(result.stdout, /Application protocol: h2c/, 'over h2c')
})

/** The first bytes the server sends back on a raw connection fed `pieces`, one per turn. */
async function firstAnswer (port: number, pieces: Buffer[]): Promise<Buffer> {
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  try {
    const answer = settles(once(socket, 'data').then(([chunk]) => chunk as Buffer), 'the server answering')
    for (const piece of pieces) {
      socket.write(piece)
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    return await answer
  } finally {
    socket.destroy()
  }
}

const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')
const emptySettings = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])

test('a preface that arrives a few bytes at a time is still told apart from HTTP/1.1', async t => {
  const { plain, auto } = await build(t)
  for (const port of [plain, auto]) {
    const answer = await firstAnswer(port, [preface.subarray(0, 3), preface.subarray(3, 10), preface.subarray(10), emptySettings])
    t.equal(answer[3], 4, 'the server answers with an HTTP/2 SETTINGS frame')
    t.notMatch(answer.toString('latin1'), /^HTTP\/1/, 'not an HTTP/1.1 error')
  }
})

test('bytes that start like the preface but are not it get HTTP/1.1 400', async t => {
  const { auto } = await build(t)
  const answer = await firstAnswer(auto, [preface.subarray(0, 10), Buffer.from('\r\n\r\nXX\r\n\r\n')])
  t.match(answer.toString('latin1'), /^HTTP\/1\.1 400 /, 'a 400')
})

test('a client that stops inside the preface is cut off after headersTimeout and leaves no connection open', async t => {
  const { app, plain } = await build(t, 200)
  const socket = net.connect(plain, '127.0.0.1')
  await once(socket, 'connect')
  socket.write(preface.subarray(0, 8))
  await settles(once(socket, 'close'), 'the server closing the connection')
  const open = app.net.list().filter(l => l.port === plain).map(l => l.connections)
  for (let i = 0; i < 50 && open[0] !== 0; i++) {
    await new Promise(resolve => setTimeout(resolve, 10))
    open[0] = app.net.list().find(l => l.port === plain)!.connections
  }
  t.same(open, [0], 'no connection left on the listener')
})

test('an :authority with a path (the seed\'s Host header) is tolerated over h2c and over TLS, for every request of the connection', { skip: noNghttp }, async t => {
  const { auto } = await build(t)
  for (const scheme of ['http', 'https']) {
    const result = await run('nghttp', ['-v', '-H', ':authority: localhost:8453/health', `${scheme}://127.0.0.1:${auto}/hello`, `${scheme}://127.0.0.1:${auto}/hello?again`])
    t.equal(result.code, 0, `nghttp succeeds over ${scheme} ${result.stderr}`)
    t.notMatch(result.stdout, /recv (GOAWAY|RST_STREAM)/, 'no stream is reset')
    t.equal(result.stdout.match(/:status: 200/g)?.length, 2, 'both requests get a 200')
    t.equal(result.stdout.match(/hello over localhost:8453(?!\/)/g)?.length, 2, 'and see the authority cut before the path')
  }
})
