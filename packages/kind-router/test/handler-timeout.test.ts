import { once } from 'node:events'
import http2 from 'node:http2'
import net from 'node:net'
import { test, type Test } from 'tap'
import type { EndpointTable } from '@kinds/endpoint-table'
import { routerOf } from '../src/index.ts'
import { build, serve, settles } from './support/sockets.ts'
import { resources, until } from './support/h2-frames.ts'

interface Deferred<T> { promise: Promise<T>, resolve: (value: T) => void }
function deferred<T> (): Deferred<T> {
  let resolve!: (value: T) => void
  const promise = new Promise<T>(_resolve => { resolve = _resolve })
  return { promise, resolve }
}

/** An h2c client (prior knowledge) on a `tls: false` kind, destroyed when the test ends. */
function h2c (t: Test, port: number): http2.ClientHttp2Session {
  const client = http2.connect(`http://127.0.0.1:${port}`)
  client.on('error', () => {})
  t.teardown(() => client.destroy())
  return client
}

test('answers 503 to a handler that never answers, at handlerTimeout, and aborts its stream.signal with the timeout error', async t => {
  const aborted = deferred<unknown>()
  const endpoints: EndpointTable = {
    '/never': ['text/plain', (_h, stream) => {
      stream.signal.addEventListener('abort', () => aborted.resolve(stream.signal.reason), { once: true })
      return new Promise<string>(() => {})
    }],
    '/': ['text/plain', 'fast']
  }
  const { app, logs } = await build(t)
  const port = await serve(app, 'svc', { endpoints, handlerTimeout: 200, tls: false })
  const res = await settles(fetch(`http://127.0.0.1:${port}/never`), 'the 503')
  t.equal(res.status, 503)
  t.equal(await res.text(), '', 'no body')
  t.match(await settles(aborted.promise, 'the abort of stream.signal'), { code: 'FST_ERR_HANDLER_TIMEOUT' })
  t.ok(logs.some(line => line.msg === 'request failed' && (line.err as { code?: string } | undefined)?.code === 'FST_ERR_HANDLER_TIMEOUT' && line.kind === 'svc'), 'an error line names the timeout')
  t.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'fast', 'the kind goes on serving')
})

test('answers 503 to an HTTP/2 handler that never answers, at handlerTimeout', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints: { '/never': ['text/plain', () => new Promise<string>(() => {})] }, handlerTimeout: 200, tls: false })
  const stream = h2c(t, port).request({ ':path': '/never' })
  const [headers] = await settles(once(stream, 'response'), 'the 503') as [http2.IncomingHttpHeaders]
  t.equal(headers[':status'], 503)
})

test('watches 100 requests in flight, and 100 bodies still arriving, without a timer each', async t => {
  const release = deferred<void>()
  let entered = 0
  const endpoints: EndpointTable = {
    '/wait': ['text/plain', async () => {
      entered++
      await release.promise
      return 'done'
    }],
    '/upload': ['text/plain', async (_h, stream) => `${(await stream.getBodyAsString()).length} bytes`]
  }
  const { app } = await build(t)
  // One HTTP/2 connection carries them all, so no socket adds a timer of its own.
  const port = await serve(app, 'svc', { endpoints, tls: false, maxConcurrentStreams: 250 })
  const client = h2c(t, port)
  await once(client, 'remoteSettings')
  const before = resources().timers
  const waiting = Array.from({ length: 100 }, () => client.request({ ':path': '/wait' }))
  const uploads = Array.from({ length: 100 }, () => {
    const stream = client.request({ ':method': 'POST', ':path': '/upload', 'content-type': 'text/plain', 'content-length': '6' })
    stream.write('abc')
    return stream
  })
  await until(() => entered, n => n === 100, 'the 100 handlers running', 5000)
  const bodies = (): number => routerOf(app.http).deadlines.bodies
  await until(bodies, n => n === 100, 'the 100 bodies watched', 5000)
  const during = resources().timers
  t.ok(during - before < 10, `timers: ${before} before, ${during} with 200 requests in flight`)
  release.resolve()
  for (const stream of uploads) stream.end('def')
  const answers = await settles(Promise.all([...waiting, ...uploads].map(async stream => {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    await once(stream, 'end')
    return Buffer.concat(chunks).toString()
  })), 'the 200 answers')
  t.same(new Set(answers), new Set(['done', '6 bytes']), 'every request answered')
  t.equal(bodies(), 0, 'no body watched any more')
})

test('a request whose client went away leaves the table, so a hot swap closes the old one', async t => {
  const closed = deferred<void>()
  const entered = deferred<void>()
  let generation = 0
  const conf = (): Parameters<typeof serve>[2] => {
    const mine = ++generation
    return {
      tls: false,
      endpoints: { '/hang': ['text/plain', () => { entered.resolve(); return new Promise<string>(() => {}) }] },
      setup: instance => { instance.addHook('onClose', async () => { if (mine === 1) closed.resolve() }) }
    }
  }
  const { app } = await build(t)
  const port = await serve(app, 'svc', conf())
  const socket = net.connect(port, '127.0.0.1')
  socket.on('error', () => {})
  await once(socket, 'connect')
  socket.write('GET /hang HTTP/1.1\r\nhost: x\r\n\r\n')
  await settles(entered.promise, 'the handler running')
  socket.destroy()
  await app.http.config(conf(), 'svc')
  // handlerTimeout is 30 s: only noticing the gone client closes the first table this early.
  await settles(closed.promise, 'the first table closing')
  t.pass('the retired table closed')
})
