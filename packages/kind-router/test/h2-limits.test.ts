import { once } from 'node:events'
import http2 from 'node:http2'
import type { TLSSocket } from 'node:tls'
import { test, type Test } from 'tap'
import { build, ephemeralCa, serve, settles, type LogLine } from './support/sockets.ts'
import { ACK, END_HEADERS, END_STREAM, frame, frameTypes, GOAWAY, h2Get, h2Raw, HEADERS, PING, PREFACE, requestBlock, resources, RST_STREAM, SETTINGS, until, WINDOW_UPDATE } from './support/h2-frames.ts'

const endpoints = { '/': ['text/plain', 'ok'] } as const

/** The SETTINGS the server sends a new HTTP/2 client. */
async function remoteSettings (port: number, ca: string): Promise<http2.Settings> {
  const client = http2.connect(`https://127.0.0.1:${port}`, { ca })
  client.on('error', () => {})
  try {
    const [settings] = await settles(once(client, 'remoteSettings'), 'the server SETTINGS') as [http2.Settings]
    return settings
  } finally {
    client.close()
  }
}

test('advertises maxConcurrentStreams (default 100) and follows a new config', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints, tls: true })
  const ca = await ephemeralCa()
  t.equal((await remoteSettings(port, ca)).maxConcurrentStreams, 100, 'the default')
  await app.http.config({ endpoints, tls: true, maxConcurrentStreams: 7 }, 'svc')
  t.equal((await remoteSettings(port, ca)).maxConcurrentStreams, 7, 'the kind\'s value, on the same listener')
})

const abuses: Array<[string, () => Buffer, RegExp]> = [
  ['rapid reset (HEADERS then RST_STREAM, 2,000 times)', () => {
    const frames = [PREFACE, frame(SETTINGS, 0, 0)]
    const cancel = Buffer.alloc(4)
    cancel.writeUInt32BE(8)
    for (let i = 0; i < 2000; i++) frames.push(frame(HEADERS, END_HEADERS | END_STREAM, 1 + 2 * i, requestBlock()), frame(RST_STREAM, 0, 1 + 2 * i, cancel))
    return Buffer.concat(frames)
  }, /rapid reset/],
  ['a SETTINGS flood (20,000 frames)', () => Buffer.concat([PREFACE, ...Array.from({ length: 20000 }, () => frame(SETTINGS, 0, 0))]), /HTTP\/2 connection/],
  ['a PING flood (20,000 frames)', () => Buffer.concat([PREFACE, frame(SETTINGS, 0, 0), ...Array.from({ length: 20000 }, () => frame(PING, 0, 0, Buffer.alloc(8)))]), /HTTP\/2 connection/]
]

for (const tls of [true, undefined]) {
  for (const [name, bytes, logged] of abuses) {
    test(`closes the TCP connection after GOAWAY for ${name} (tls: ${String(tls)})`, async t => {
      const { app, logs } = await build(t)
      const port = await serve(app, 'svc', { endpoints, ...(tls === undefined ? {} : { tls }) })
      const ca = await ephemeralCa()
      t.equal((await h2Get(port, ca)).status, 200)
      const before = await until(resources, () => app.net.list()[0]?.connections === 0, 'the first client gone')
      const socket = await h2Raw(port)
      t.teardown(() => socket.destroy())
      // The client never reads what the server answers.
      socket.pause()
      socket.write(bytes())
      await until(() => app.net.list()[0]?.connections, n => n === 0, 'the server closing the abusive connection', 4000)
      socket.destroy()
      t.equal((await h2Get(port, ca)).status, 200, 'another client is served')
      await until(() => app.net.list()[0]?.connections, n => n === 0, 'no connection counted')
      const after = await until(resources, r => r.fds === before.fds && r.handles === before.handles && r.timers === before.timers, 'fds, handles and timers back to the baseline')
      t.comment(`${name}: fds ${before.fds} -> ${after.fds}, timers ${before.timers} -> ${after.timers}, RSS ${before.rss} -> ${after.rss} MB`)
      t.ok(logs.some((line: LogLine) => logged.test(line.msg) && line.kind === 'svc'), 'a log line for it')
    })
  }
}

test('cuts an HTTP/2 connection whose request headers never complete, at headersTimeout', async t => {
  const { app, logs } = await build(t)
  const port = await serve(app, 'svc', { endpoints, tls: true, headersTimeout: 300 })
  const socket = await h2Raw(port)
  // HEADERS without END_HEADERS, and no CONTINUATION ever.
  socket.write(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0), frame(HEADERS, END_STREAM, 1, requestBlock())]))
  socket.resume()
  // Far below keepAliveTimeout (5 s) and idleTimeout (60 s): only headersTimeout can explain it.
  await settles(once(socket, 'close'), 'the server cutting the connection', 3000)
  t.ok(logs.some(line => line.msg === 'HTTP/2 request headers not complete within headersTimeout'), 'a log line for it')
  t.equal((await h2Get(port, await ephemeralCa())).status, 200, 'another client is served')
})

/** A WINDOW_UPDATE frame: `increment` more bytes the client takes on `stream` (0: the connection). */
function windowUpdate (stream: number, increment: number): Buffer {
  const payload = Buffer.alloc(4)
  payload.writeUInt32BE(increment)
  return frame(WINDOW_UPDATE, 0, stream, payload)
}

/** A SETTINGS frame with SETTINGS_INITIAL_WINDOW_SIZE (0x4). */
function windowSettings (size: number): Buffer {
  const payload = Buffer.alloc(6)
  payload.writeUInt16BE(0x4)
  payload.writeUInt32BE(size, 2)
  return frame(SETTINGS, 0, 0, payload)
}

interface AnsweredClient { socket: TLSSocket, types: number[], started: number }

/** A raw HTTP/2 client that has sent one GET and got its answer; the time it started. */
async function answeredClient (t: Pick<Test, 'teardown'>, port: number): Promise<AnsweredClient> {
  const socket = await h2Raw(port)
  t.teardown(() => socket.destroy())
  const types = frameTypes(socket)
  const started = Date.now()
  socket.write(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0), frame(HEADERS, END_HEADERS | END_STREAM, 1, requestBlock())]))
  await until(() => types.includes(HEADERS), answered => answered, 'the answer')
  return { socket, types, started }
}

/**
 * Writes `next()` every `ms` on the answered, otherwise idle connection (served with
 * headersTimeout 300 and keepAliveTimeout 1500) until the server closes it, and checks it was
 * closed at keepAliveTimeout with GOAWAY, not cut as headers that never complete.
 */
async function closedAtKeepAlive (t: Test, { socket, types, started }: AnsweredClient, logs: LogLine[], next: () => Buffer, ms: number): Promise<void> {
  const writing = setInterval(() => socket.write(next()), ms)
  t.teardown(() => clearInterval(writing))
  await settles(once(socket, 'close'), 'the server closing the idle connection', 5000)
  clearInterval(writing)
  const lived = Date.now() - started
  t.ok(lived >= 1400, `open until keepAliveTimeout (1500 ms), far past headersTimeout (300 ms): ${lived} ms`)
  t.ok(types.includes(GOAWAY), 'told GOAWAY')
  t.notOk(logs.some(line => line.msg === 'HTTP/2 request headers not complete within headersTimeout'), 'not taken for headers that never complete')
}

test('closes an idle HTTP/2 connection that only sends PINGs at keepAliveTimeout with GOAWAY, not as headers never completing', async t => {
  const { app, logs } = await build(t)
  const port = await serve(app, 'svc', { endpoints, tls: true, headersTimeout: 300, keepAliveTimeout: 1500 })
  const client = await answeredClient(t, port)
  // The client's keep-alive PINGs on the idle connection, one every 100 ms.
  await closedAtKeepAlive(t, client, logs, () => frame(PING, 0, 0, Buffer.alloc(8)), 100)
})

test('closes an idle HTTP/2 connection whose client sends SETTINGS, their ACK and WINDOW_UPDATEs after an answer at keepAliveTimeout with GOAWAY', async t => {
  const { app, logs } = await build(t)
  const port = await serve(app, 'svc', { endpoints, tls: true, headersTimeout: 300, keepAliveTimeout: 1500 })
  const client = await answeredClient(t, port)
  // What a client sends after an answer: the ACK of the server's SETTINGS, WINDOW_UPDATEs for the
  // data it read (the connection's and the stream's), then now and again new SETTINGS of its own.
  client.socket.write(Buffer.concat([frame(SETTINGS, ACK, 0), windowUpdate(0, 65_535), windowUpdate(1, 65_535)]))
  let size = 70_000
  await closedAtKeepAlive(t, client, logs, () => windowSettings(size++), 200)
})

test('cuts an HTTP/2 connection at headersTimeout whose next request headers never complete after an answer', async t => {
  const { app, logs } = await build(t)
  const port = await serve(app, 'svc', { endpoints, tls: true, headersTimeout: 300, keepAliveTimeout: 5000 })
  const { socket, started } = await answeredClient(t, port)
  // The second request's HEADERS without END_HEADERS, and no CONTINUATION ever.
  socket.write(frame(HEADERS, END_STREAM, 3, requestBlock('GET', `/${'a'.repeat(60)}`)))
  await settles(once(socket, 'close'), 'the server cutting the connection', 4000)
  const lived = Date.now() - started
  t.ok(lived < 2500, `cut near headersTimeout (300 ms, checked every quarter second), long before keepAliveTimeout (5000 ms): ${lived} ms`)
  t.ok(logs.some(line => line.msg === 'HTTP/2 request headers not complete within headersTimeout'), 'a log line for it')
})

test('refuses a maxConcurrentStreams or maxSessionMemory that is not a positive integer, naming the field', async t => {
  const { app } = await build(t)
  for (const field of ['maxConcurrentStreams', 'maxSessionMemory']) {
    for (const value of [0, -1, 1.5, '100']) {
      t.throws(() => app.http.config({ endpoints, [field]: value }, 'svc'), { code: 'KINDS_ERR_KIND_CONFIG', message: new RegExp(`field ${field}:`) }, `${field}: ${JSON.stringify(value)}`)
    }
  }
})
