import { once } from 'node:events'
import http2 from 'node:http2'
import tls from 'node:tls'
import { test, type Test } from 'tap'
import type { EndpointTable } from '@kinds/endpoint-table'
import { agent, build, ephemeralCa, fetchText, http1Connection, rawExchange, serve, settles, type LogLine } from './support/sockets.ts'
import { resources, until } from './support/h2-frames.ts'

const endpoints: EndpointTable = {
  '/': ['text/plain', 'fine'],
  '/upload': ['text/plain', async (_h, stream) => `${(await stream.getBodyAsString()).length} bytes`],
  '/big': ['text/plain', 'x'.repeat(4 * 1024 * 1024)]
}

/** Like rawExchange, over TLS with ALPN http/1.1. */
async function tlsExchange (port: number, data: string): Promise<string> {
  const socket = tls.connect({ host: '127.0.0.1', port, ALPNProtocols: ['http/1.1'], rejectUnauthorized: false })
  socket.on('error', () => {})
  await settles(once(socket, 'secureConnect'), 'the TLS handshake')
  const chunks: Buffer[] = []
  socket.on('data', chunk => chunks.push(chunk))
  socket.write(data)
  await settles(Promise.race([once(socket, 'close'), once(socket, 'end')]), 'the server closing')
  socket.destroy()
  return Buffer.concat(chunks).toString('latin1')
}

const shapes: Array<[string, string, RegExp]> = [
  ['a malformed request line', 'GET  /  HTTP/1.1 extra\r\nhost: x\r\n\r\n', /^HTTP\/1\.1 400 /],
  ['random bytes', '\x7f\x00\xff\x13garbage\xfe\r\n\r\n', /^HTTP\/1\.1 400 /],
  ['headers over the limit', `GET / HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`, /^HTTP\/1\.1 431 /],
  ['both content-length and transfer-encoding', 'POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n', /^HTTP\/1\.1 400 /],
  ['two different content-length', 'POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\ncontent-length: 5\r\n\r\nabcde', /^HTTP\/1\.1 400 /],
  ['an obs-fold header line', 'GET / HTTP/1.1\r\nhost: x\r\nx-folded: a\r\n  b\r\n\r\n', /^HTTP\/1\.1 400 /],
  ['two Host headers', 'GET / HTTP/1.1\r\nhost: a\r\nhost: b\r\n\r\n', /^HTTP\/1\.1 400 /],
  ['two Host headers in other cases', 'GET / HTTP/1.1\r\nHost: a\r\nhOsT: b\r\n\r\n', /^HTTP\/1\.1 400 /],
  ['CONNECT', 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nhost: 127.0.0.1:22\r\n\r\n', /^HTTP\/1\.1 405 /],
  ['a body announced over bodyLimit with expect: 100-continue', 'POST /upload HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: 5000000\r\nexpect: 100-continue\r\n\r\n', /^HTTP\/1\.1 413 /],
  // The whole preface is h2c (test/h2c.test.ts); one byte off, it is a bad HTTP/1.1 request line.
  ['a broken HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nXM\r\n\r\n', /^HTTP\/1\.1 400 /]
]

const listeners: Array<[string, boolean | undefined, (port: number, data: string) => Promise<string>]> = [
  ['plain', false, rawExchange],
  ['plain bytes on a plain+TLS port', undefined, rawExchange],
  ['TLS', true, tlsExchange]
]

for (const [name, tlsMode, exchange] of listeners) {
  test(`answers each bad request shape with its status, logs it and keeps serving (${name})`, async t => {
    const { app, logs } = await build(t)
    const port = await serve(app, 'svc', { endpoints, ...(tlsMode === undefined ? {} : { tls: tlsMode }) })
    const url = `${tlsMode === true ? 'https' : 'http'}://127.0.0.1:${port}/`
    const client = agent(t, tlsMode === true ? await ephemeralCa() : undefined)
    t.equal((await fetchText(url, client)).body, 'fine')
    await client.close()
    const before = await until(resources, () => app.net.list()[0]?.connections === 0, 'no connection open')
    for (const [shape, request, status] of shapes) {
      const seen = logs.length
      const answer = await exchange(port, request)
      t.match(answer, status, `${shape}: ${String(status)}`)
      t.notMatch(answer, /100 Continue/, `${shape}: no 100 Continue`)
      t.ok(logs.slice(seen).some(line => line.level === 30 && line.kind === 'svc' && typeof line.status === 'number'), `${shape}: a log line with the status`)
    }
    t.notOk(logs.some(line => line.level >= 50), 'no error line (no stack) for any of them')
    const other = agent(t, tlsMode === true ? await ephemeralCa() : undefined)
    t.equal((await fetchText(url, other)).body, 'fine', 'another client is served')
    await other.close()
    await until(() => app.net.list()[0]?.connections, n => n === 0, 'every connection closed')
    const after = await until(resources, r => r.fds === before.fds && r.handles === before.handles && r.timers === before.timers, 'fds, handles and timers back to the baseline')
    t.comment(`${name}: fds ${before.fds} -> ${after.fds}, timers ${before.timers} -> ${after.timers}, RSS ${before.rss} -> ${after.rss} MB`)
  })
}

test('answers a TLS alert to a garbage ClientHello on a TLS-only port, and keeps serving', async t => {
  const { app, logs } = await build(t)
  const port = await serve(app, 'svc', { endpoints, tls: true })
  const hello = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00, 0x00, 0x3c]), Buffer.alloc(60, 0xab)])
  const answer = await rawExchange(port, hello)
  t.equal(answer.charCodeAt(0), 0x15, 'a TLS alert, then the connection is closed')
  t.ok(logs.some(line => line.msg === 'TLS handshake failed' && line.kind === 'svc'), 'a log line for it')
  t.equal((await fetchText(`https://127.0.0.1:${port}/`, agent(t, await ephemeralCa()))).body, 'fine')
})

/** Starts a POST of 100,000 bytes, sends 3 of them and then nothing; gives what the server answered. */
async function stalledBody (port: number, secure: boolean): Promise<string> {
  const socket = await http1Connection(port, secure)
  let received = ''
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => { received += chunk })
  socket.write('POST /upload HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: 100000\r\n\r\nabc')
  await settles(once(socket, 'close'), 'the server answering the stalled body')
  return received
}

function noStack (t: Pick<Test, 'ok' | 'notOk'>, logs: LogLine[]): void {
  t.notOk(logs.some(line => line.level >= 50), 'no error line, no stack')
  t.ok(logs.some(line => line.status === 408 && line.level === 30 && line.kind === 'svc'), 'one info line says 408')
}

for (const tlsMode of [false, true]) {
  test(`answers 408, not 503, to a body that stalls, at requestTimeout (tls: ${String(tlsMode)})`, async t => {
    const { app, logs } = await build(t)
    // The handler's timeout is as short: before, it answered first with 503 and a stack.
    const port = await serve(app, 'svc', { endpoints, requestTimeout: 400, handlerTimeout: 400, tls: tlsMode })
    const answers = await Promise.all(Array.from({ length: 20 }, () => stalledBody(port, tlsMode)))
    for (const answer of answers) t.match(answer, /^HTTP\/1\.1 408 /)
    noStack(t, logs)
    const url = `${tlsMode ? 'https' : 'http'}://127.0.0.1:${port}/upload`
    t.equal((await fetchText(url, agent(t, tlsMode ? await ephemeralCa() : undefined), { method: 'POST', body: 'abc', headers: { 'content-type': 'text/plain' } })).body, '3 bytes', 'a normal client is still served')
  })
}

test('answers 408 to an HTTP/2 request body that stalls, at requestTimeout', async t => {
  const { app, logs } = await build(t)
  const port = await serve(app, 'svc', { endpoints, requestTimeout: 400, handlerTimeout: 400, tls: true })
  const client = http2.connect(`https://127.0.0.1:${port}`, { ca: await ephemeralCa() })
  client.on('error', () => {})
  t.teardown(() => client.destroy())
  const stream = client.request({ ':method': 'POST', ':path': '/upload', 'content-type': 'text/plain', 'content-length': '100000' })
  stream.write('abc')
  const [headers] = await settles(once(stream, 'response'), 'the answer to the stalled body') as [http2.IncomingHttpHeaders]
  t.equal(headers[':status'], 408)
  noStack(t, logs)
})

for (const tlsMode of [false, true]) {
  test(`cuts a client that never reads its response, at idleTimeout (tls: ${String(tlsMode)})`, async t => {
    const { app } = await build(t)
    const port = await serve(app, 'svc', { endpoints, idleTimeout: 500, tls: tlsMode })
    const before = resources()
    const socket = await http1Connection(port, tlsMode)
    socket.write('GET /big HTTP/1.1\r\nhost: x\r\n\r\n')
    socket.pause()
    await until(() => app.net.list()[0]?.connections, n => n === 0, 'the server cutting the slow reader')
    socket.destroy()
    t.equal((await fetchText(`${tlsMode ? 'https' : 'http'}://127.0.0.1:${port}/`, agent(t, tlsMode ? await ephemeralCa() : undefined))).body, 'fine', 'another client is served')
    t.comment(`slow reader: RSS ${before.rss} -> ${resources().rss} MB`)
  })
}
