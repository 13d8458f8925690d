import { once } from 'node:events'
import net from 'node:net'
import { test } from 'tap'
import type { EndpointTable } from '@kinds/endpoint-table'
import { build, serve, settles } from './support/sockets.ts'

/** Requests the handlers saw, in the order they ran. */
const order: string[] = []
let onFirst: (() => void) | undefined

function spin (ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end);
}

const endpoints: EndpointTable = {
  '/work': ['text/plain', h => {
    order.push(h.get(':path')!)
    if (order.length === 1) onFirst?.()
    // Each answer costs the event loop a little, as a render of /metrics does.
    spin(2)
    return 'done'
  }]
}

/** A keep-alive connection that has been answered once, so the listener has told plain HTTP/1.1 from TLS on it. */
async function warm (port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1')
  socket.setEncoding('latin1')
  await once(socket, 'connect')
  socket.write('GET /warm HTTP/1.1\r\nhost: x\r\n\r\n')
  await once(socket, 'data')
  return socket
}

/** Resolves once `count` answers came on the socket. */
async function answers (socket: net.Socket, count: number): Promise<string> {
  let text = ''
  socket.on('data', (chunk: string) => { text += chunk })
  while ((text.match(/HTTP\/1\.1 /g) ?? []).length < count) await once(socket, 'data')
  return text
}

for (const tls of [false, undefined]) {
  test(`a connection's pipelined requests wait behind another connection's request (tls: ${String(tls)})`, async t => {
    const { app } = await build(t)
    const port = await serve(app, 'svc', { endpoints: { ...endpoints, '/warm': ['text/plain', 'ok'] }, ...(tls === undefined ? {} : { tls }) })
    const greedy = await warm(port)
    const other = await warm(port)
    t.teardown(() => { greedy.destroy(); other.destroy() })
    order.length = 0
    // The other client asks while the greedy one's first request is being answered: its bytes come after all of greedy's.
    onFirst = () => other.write('GET /work?other HTTP/1.1\r\nhost: x\r\n\r\n')
    const pipelined = 50
    let burst = ''
    for (let i = 0; i < pipelined; i++) burst += `GET /work?greedy=${i} HTTP/1.1\r\nhost: x\r\n\r\n`
    greedy.write(burst)
    const [greedyText, otherText] = await settles(Promise.all([answers(greedy, pipelined), answers(other, 1)]), 'every answer')
    t.equal((greedyText.match(/HTTP\/1\.1 200 /g) ?? []).length, pipelined, 'every pipelined request is answered')
    t.match(otherText, /^HTTP\/1\.1 200 /, 'the other client is answered')
    const greedyOrder = order.filter(path => path.includes('greedy')).map(path => Number(path.split('=')[1]))
    t.same(greedyOrder, [...Array(pipelined).keys()], 'the pipelined requests run in the order they were sent')
    const position = order.indexOf('/work?other')
    t.ok(position > 0 && position < pipelined, `the other request ran before the greedy connection's last one (position ${position} of ${order.length})`)
    onFirst = undefined
  })
}

test('a pipelined request of a connection that is gone is not run', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints: { ...endpoints, '/warm': ['text/plain', 'ok'] }, tls: false })
  const greedy = await warm(port)
  order.length = 0
  // The first answer destroys the connection (from the client's side): the queued ones are dropped.
  onFirst = () => greedy.destroy()
  let burst = ''
  for (let i = 0; i < 50; i++) burst += `GET /work?greedy=${i} HTTP/1.1\r\nhost: x\r\n\r\n`
  greedy.write(burst)
  await settles(once(greedy, 'close'), 'the connection closing')
  const probe = await warm(port)
  probe.destroy()
  t.ok(order.length < 50, `fewer than the 50 requests ran (${order.length})`)
  onFirst = undefined
})

test('a connection that pipelines 2,000 requests a hundred at a time gets every answer, in order', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints: { '/n': ['text/plain', h => h.get(':path')!.slice(5)] }, tls: false })
  const socket = net.connect(port, '127.0.0.1')
  socket.setEncoding('latin1')
  t.teardown(() => socket.destroy())
  await once(socket, 'connect')
  const count = 2000
  let all = ''
  socket.on('data', (chunk: string) => { all += chunk })
  // A hundred at a time, each hundred once the one before is answered: never more than the limit waiting.
  for (let i = 0; i < count; i += 100) {
    let burst = ''
    for (let j = i; j < i + 100; j++) burst += `GET /n?i=${j} HTTP/1.1\r\nhost: x\r\n\r\n`
    socket.write(burst)
    await settles((async () => { while ((all.match(/HTTP\/1\.1 /g) ?? []).length < i + 100) await once(socket, 'data') })(), `answers to ${i + 100} requests`, 10_000)
  }
  const bodies = all.split('HTTP/1.1 200 OK').slice(1).map(answer => answer.split('\r\n\r\n')[1])
  t.equal(bodies.length, count, 'every request answered 200')
  t.same(bodies.map(body => Number(body!.replace('i=', ''))), [...Array(count).keys()], 'in the order they were sent')
})

test('a connection that pipelines more than 256 requests at once is cut off with a log line; others are served', async t => {
  const { app, logs } = await build(t)
  const port = await serve(app, 'svc', { endpoints: { '/n': ['text/plain', 'n'] }, tls: false })
  const socket = net.connect(port, '127.0.0.1')
  socket.setEncoding('latin1')
  socket.on('error', () => {})
  t.teardown(() => socket.destroy())
  await once(socket, 'connect')
  let received = ''
  socket.on('data', (chunk: string) => { received += chunk })
  socket.write('GET /n HTTP/1.1\r\nhost: x\r\n\r\n'.repeat(1000))
  await settles(once(socket, 'close'), 'the server cutting the connection')
  const answered = (received.match(/HTTP\/1\.1 200 /g) ?? []).length
  t.ok(answered < 1000, `not every request was answered (${answered} of 1000)`)
  t.equal(logs.filter(line => line.msg === 'connection closed: too many pipelined requests waiting' && line.kind === 'svc' && line.limit === 256).length, 1, 'one log line naming the limit')
  const other = await warm(port)
  other.destroy()
  t.pass('another client is served')
})

test('a keep-alive client is answered between the slices of a burst of new connections, not after all of them', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints: { ...endpoints, '/warm': ['text/plain', 'ok'] }, tls: false })
  const served = await warm(port)
  const burst = 50
  const fresh: net.Socket[] = []
  for (let i = 0; i < burst; i++) {
    const socket = net.connect(port, '127.0.0.1')
    socket.setEncoding('latin1')
    fresh.push(socket)
  }
  t.teardown(() => { served.destroy(); for (const socket of fresh) socket.destroy() })
  await Promise.all(fresh.map(socket => once(socket, 'connect')))
  // Accepted by the listener, waiting for their first bytes.
  await settles((async () => { while ((app.net.list()[0]?.connections ?? 0) < burst + 1) await new Promise(resolve => setTimeout(resolve, 10)) })(), 'the connections accepted')
  order.length = 0
  // The served client asks while the first new connection's request runs: its bytes come after every new one's.
  onFirst = () => served.write('GET /work?served HTTP/1.1\r\nhost: x\r\n\r\n')
  for (let i = 0; i < burst; i++) fresh[i]!.write(`GET /work?fresh=${i} HTTP/1.1\r\nhost: x\r\n\r\n`)
  await settles(Promise.all([answers(served, 1), ...fresh.map(socket => answers(socket, 1))]), 'every answer')
  const position = order.indexOf('/work?served')
  t.equal(order.length, burst + 1, 'every request ran')
  t.ok(position > 0 && position < burst, `the keep-alive client's request ran before the burst's last one (position ${position} of ${order.length})`)
  onFirst = undefined
})
