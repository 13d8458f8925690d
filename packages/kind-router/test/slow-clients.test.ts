import { once } from 'node:events'
import net from 'node:net'
import { test, type Test } from 'tap'
import { sleep, type EndpointTable } from '@kinds/endpoint-table'
import { agent, build, ephemeralCa, fetchText, http1Connection, serve, settles } from './support/sockets.ts'
import { until } from './support/h2-frames.ts'

const endpoints: EndpointTable = {
  '/': ['text/plain', 'fast'],
  '/upload': ['text/plain', async (_h, stream) => `${(await stream.getBodyAsString()).length} bytes`],
  '/never': ['text/plain', async (_h, stream) => { await sleep(60_000, stream.signal) }]
}

/** A raw connection to the kind, clear or TLS, reading latin1, destroyed at the test's end. */
async function connection (t: Pick<Test, 'teardown'>, port: number, secure: boolean): Promise<net.Socket> {
  const socket = await http1Connection(port, secure)
  socket.setEncoding('latin1')
  t.teardown(() => { socket.destroy() })
  return socket
}

/** Connects, writes `first`, then one more byte every 50 ms (none if `first` is empty or `quiet`); resolves to what the server sent once it cuts the connection. */
async function trickle (port: number, first: string, { quiet = false } = {}): Promise<string> {
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  let received = ''
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => { received += chunk })
  socket.on('error', () => {})
  if (first !== '') socket.write(first)
  const timer = first === '' || quiet ? undefined : setInterval(() => { if (socket.writable) socket.write('x') }, 50)
  try {
    // The guard is far above the timeouts given and far below the defaults.
    await settles(once(socket, 'close'), 'the server cutting the slow client', 8000)
  } finally {
    clearInterval(timer)
    socket.destroy()
  }
  return received
}

for (const tls of [false, undefined]) {
  test(`cuts off a client that sends its headers too slowly (tls: ${String(tls)})`, async t => {
    const { app, logs } = await build(t)
    const port = await serve(app, 'svc', { endpoints, headersTimeout: 300, ...(tls === undefined ? {} : { tls }) })
    const received = await trickle(port, 'GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ')
    t.match(received, /^HTTP\/1\.1 408 /, 'told 408 and cut off')
    t.ok(logs.some(line => line.msg === 'bad request from client' && line.status === 408 && line.kind === 'svc'), 'a log line for it')
    t.equal((await fetchText(`http://127.0.0.1:${port}/`, agent(t))).body, 'fast', 'a normal client is still served')
  })
}

for (const tls of [false, true, undefined]) {
  test(`cuts off a client that connects and sends nothing (tls: ${String(tls)})`, async t => {
    const { app } = await build(t)
    const port = await serve(app, 'svc', { endpoints, headersTimeout: 300, ...(tls === undefined ? {} : { tls }) })
    await trickle(port, '')
    t.pass('the connection was closed by the server')
    const url = `${tls === true ? 'https' : 'http'}://127.0.0.1:${port}/`
    t.equal((await fetchText(url, agent(t, tls === true ? await ephemeralCa() : undefined))).body, 'fast', 'a normal client is still served')
  })
}

test('answers 408 to a client that sends its body too slowly (requestTimeout)', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints, requestTimeout: 300, tls: false })
  const received = await trickle(port, 'POST /upload HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: 100000\r\n\r\n')
  t.match(received, /^HTTP\/1\.1 408 /, 'told 408 and cut off, though it kept sending')
  t.equal((await fetchText(`http://127.0.0.1:${port}/upload`, agent(t), { method: 'POST', body: 'abc' })).body, '3 bytes', 'a normal client is still served')
})

test('cuts off a connection silent for idleTimeout', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints, idleTimeout: 300, tls: false })
  // Headers in full, then none of the body promised: the client has vanished mid-body.
  const received = await trickle(port, 'POST /upload HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: 1000\r\n\r\nabc', { quiet: true })
  t.notMatch(received, /200 OK/, 'no answer to the unfinished request')
  t.equal((await fetchText(`http://127.0.0.1:${port}/`, agent(t))).body, 'fast', 'a normal client is still served')
})

for (const tls of [false, true]) {
  test(`closes an idle keep-alive connection after keepAliveTimeout and a second, as Node does (tls: ${tls})`, async t => {
    const { app } = await build(t)
    const port = await serve(app, 'svc', { endpoints, keepAliveTimeout: 1000, tls })
    const socket = await connection(t, port, tls)
    let received = ''
    socket.on('data', (chunk: string) => { received += chunk })
    socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n')
    await until(() => received, r => r.endsWith('fast'), 'the answer')
    const answered = Date.now()
    // The default (5 s) would outlast the guard.
    await settles(once(socket, 'close'), 'the server closing the idle connection', 5000)
    const lived = Date.now() - answered
    t.match(received, /^HTTP\/1\.1 200 OK\r\n/)
    t.match(received, /\r\nKeep-Alive: timeout=1\r\n/i, 'the client is told the kind\'s keepAliveTimeout')
    // keepAliveTimeout, Node's second more, and at most two looks of the sweep (every 250 ms here).
    t.ok(lived >= 1900 && lived < 3000, `closed ${lived} ms after the answer, at 2 to 2.5 s`)
  })
}

test('a keep-alive connection that asks again within keepAliveTimeout is served again on the same socket', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints, keepAliveTimeout: 400, tls: false })
  const socket = await connection(t, port, false)
  let received = ''
  socket.on('data', (chunk: string) => { received += chunk })
  for (let i = 1; i <= 3; i++) {
    socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n')
    await until(() => received, r => r.split('fast').length === i + 1, `answer ${i}`)
    // Past keepAliveTimeout, within Node's second more: the silence is counted again from each answer.
    await sleep(700)
  }
  t.equal(received.match(/HTTP\/1\.1 200 OK/g)?.length, 3, 'three answers on one connection')
  t.notOk(socket.destroyed, 'still open')
})

test('a request slower than keepAliveTimeout is answered: the keep-alive limit counts only between requests', async t => {
  const { app } = await build(t)
  const slow: EndpointTable = { '/slow': ['text/plain', async () => { await sleep(2000); return 'late' }] }
  const port = await serve(app, 'svc', { endpoints: slow, keepAliveTimeout: 200, tls: false })
  const socket = await connection(t, port, false)
  let received = ''
  socket.on('data', (chunk: string) => { received += chunk })
  socket.write('GET /slow HTTP/1.1\r\nhost: x\r\n\r\n')
  // Silent for 2 s while the handler runs: past keepAliveTimeout and Node's second more.
  await until(() => received, r => r.endsWith('late'), 'the slow answer', 5000)
  t.match(received, /^HTTP\/1\.1 200 OK\r\n/)
  await settles(once(socket, 'close'), 'the close once idle after it', 5000)
  t.pass('closed once it waited for a request')
})

test('answers 503 to a request whose handler takes longer than handlerTimeout, and keeps serving', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints, handlerTimeout: 200, tls: false })
  const client = agent(t)
  t.equal((await fetchText(`http://127.0.0.1:${port}/never`, client)).status, 503)
  t.equal((await fetchText(`http://127.0.0.1:${port}/`, client)).body, 'fast')
})
