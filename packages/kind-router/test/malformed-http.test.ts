import { once } from 'node:events'
import net from 'node:net'
import { test } from 'tap'
import { agent, build, fetchText, rawExchange, serve, settles } from './support/sockets.ts'

const endpoints = { '/': ['text/plain', 'fine'] } as const

const bad: Array<[string, string]> = [
  ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n'],
  ['a header without a colon', 'GET / HTTP/1.1\r\nhost: x\r\nnot a header\r\n\r\n'],
  ['an unknown HTTP version', 'GET / HTTP/7.3\r\nhost: x\r\n\r\n'],
  ['a bad chunk size', 'POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n'],
  ['both content-length and chunked', 'POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n']
]

for (const tls of [false, undefined]) {
  test(`answers 400 to malformed HTTP and keeps serving (tls: ${String(tls)})`, async t => {
    const { app, logs } = await build(t)
    const port = await serve(app, 'svc', { endpoints, ...(tls === undefined ? {} : { tls }) })
    const client = agent(t)
    for (const [name, request] of bad) {
      const answer = await rawExchange(port, request)
      t.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/, `${name}: 400`)
      t.equal((await fetchText(`http://127.0.0.1:${port}/`, client)).body, 'fine', `${name}: the next client is served`)
    }
    t.equal(logs.filter(line => line.msg === 'bad request from client' && line.kind === 'svc').length, bad.length, 'a log line each')
  })
}

test('answers 431 to headers that are too large', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints, tls: false })
  const answer = await rawExchange(port, `GET / HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`)
  t.match(answer, /^HTTP\/1\.1 431 /)
  t.equal((await fetchText(`http://127.0.0.1:${port}/`, agent(t))).body, 'fine')
})

test('answers a TLS alert to bytes that start like TLS but are not, and keeps serving', async t => {
  const { app, logs } = await build(t)
  const port = await serve(app, 'svc', { endpoints })
  // A whole TLS record of five bytes that is no handshake message.
  const answer = await rawExchange(port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f]))
  t.equal(answer.charCodeAt(0), 0x15, 'a TLS alert record, then the connection is closed')
  t.notMatch(answer, /HTTP/, 'no HTTP answer')
  t.equal((await fetchText(`http://127.0.0.1:${port}/`, agent(t))).body, 'fine')
  t.ok(logs.some(line => line.msg === 'TLS handshake failed' && line.kind === 'svc'), 'a log line for it')
})

/** Reads from `socket` until what came matches `done`. */
async function readUntil (socket: net.Socket, done: RegExp): Promise<string> {
  let received = ''
  while (!done.test(received)) {
    const [chunk] = await settles(once(socket, 'data'), `a response matching ${String(done)}`) as [string]
    received += chunk
  }
  return received
}

test('a malformed request on one connection leaves the other keep-alive connections serving', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints, tls: false })
  const good = net.connect(port, '127.0.0.1')
  await once(good, 'connect')
  good.setEncoding('latin1')
  good.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n')
  t.match(await readUntil(good, /fine$/), /^HTTP\/1\.1 200 /)
  t.match(await rawExchange(port, '\x00\x01\x02garbage\r\n\r\n'), /^HTTP\/1\.1 400 /)
  good.write('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')
  t.match(await readUntil(good, /fine$/), /^HTTP\/1\.1 200 /, 'the other keep-alive connection still serves')
  good.destroy()
})
