import { test } from 'tap'
import { once } from 'node:events'
import WebSocket from 'ws'
import { sleep, type EndpointWebSocket, type WebSocketHandler } from '../src/index.ts'
import { build, deferred, listen, settles } from './helpers.ts'

/** The seed's /health loop: it sends every 200 ms and never reads. */
function healthLoop (seen: (ws: EndpointWebSocket) => void): WebSocketHandler {
  return async (_h, ws) => {
    seen(ws)
    while (await ws.send('["up"]')) {
      if (!await sleep(200, ws.signal)) break
    }
  }
}

async function open (url: string, options?: WebSocket.ClientOptions): Promise<WebSocket> {
  const client = new WebSocket(url, options)
  await settles(once(client, 'open'), 'the WebSocket opening')
  return client
}

function countTimers (): number {
  return process.getActiveResourcesInfo().filter(r => r === 'Timeout').length
}

for (const count of [10, 200, 5000]) {
  test(`answers a ping and completes the close handshake after ${count} messages to a handler that never reads`, async t => {
    let server: EndpointWebSocket | undefined
    const { app, logs, sockets } = await build(t, { '/health': ['application/json', 'up', healthLoop(ws => { server = ws })] })
    const base = await listen(app)
    const timers = countTimers()
    const client = await open(`${base.replace('http', 'ws')}/health`)
    for (let i = 0; i < count; i++) client.send(`message ${i}`)
    client.ping('still there?')
    const [pong] = await settles(once(client, 'pong'), `a pong after ${count} unread messages`)
    t.equal(String(pong), 'still there?', 'the pong carries the ping\'s data')
    // The pong comes after every message was read: the unread ones are bounded, the oldest dropped.
    t.equal(server!.dropped, Math.max(0, count - 64), 'at most 64 messages wait, the older ones are counted as dropped')
    const closed = once(client, 'close')
    client.close(1000, 'bye')
    const [code] = await settles(closed, 'the close handshake')
    t.equal(code, 1000, 'the server answered the close frame (1006 would mean it never did)')
    await settles((async () => { while (!logs.some(l => l.msg === 'websocket closed')) await sleep(10) })(), 'the close log line')
    const line = logs.find(l => l.msg === 'websocket closed')!
    t.equal(line.code, 1000, 'the server saw the client\'s code')
    t.equal(line.dropped, Math.max(0, count - 64), 'the close line counts the dropped messages')
    t.equal(logs.filter(l => l.msg === 'websocket messages dropped: the handler does not read them').length, count > 64 ? 1 : 0, 'one warning at the first drop, none without')
    await settles((async () => { while (sockets.size > 0) await sleep(10) })(), 'the server forgetting the socket')
    t.ok(countTimers() <= timers, 'no timer is left running')
  })
}

test('holds at most 1 MiB of unread messages, dropping the oldest', async t => {
  let server: EndpointWebSocket | undefined
  const { app } = await build(t, { '/health': ['application/json', 'up', healthLoop(ws => { server = ws })] })
  const base = await listen(app)
  const client = await open(`${base.replace('http', 'ws')}/health`)
  for (let i = 0; i < 5; i++) client.send(Buffer.alloc(600 * 1024, i))
  client.ping()
  await settles(once(client, 'pong'), 'a pong')
  t.equal(server!.dropped, 4, 'two 600 KiB messages do not fit in 1 MiB: only the last one waits')
  client.close()
  await settles(once(client, 'close'), 'the close')
})

test('gives a handler that reads late the newest 64 messages, in order', async t => {
  const go = deferred<void>()
  const first = deferred<string>()
  const { app } = await build(t, {
    '/late': ['text/plain', 'x', async (_h, ws) => {
      await go.promise
      first.resolve(String(await ws.receive()))
      await ws.send('read')
      while (await ws.receive() !== null);
    }]
  })
  const base = await listen(app)
  const client = await open(`${base.replace('http', 'ws')}/late`)
  for (let i = 0; i < 100; i++) client.send(`m${i}`)
  client.ping()
  await settles(once(client, 'pong'), 'a pong')
  go.resolve()
  t.equal(await settles(first.promise, 'the first read'), 'm36', 'the 36 oldest were dropped')
  await settles(once(client, 'message'), 'the handler\'s answer')
  client.close()
  await settles(once(client, 'close'), 'the close')
})

test('pings every pingInterval and cuts a socket that does not answer', async t => {
  const { app, logs } = await build(t, { '/health': ['application/json', 'up', healthLoop(() => {})] }, { pingInterval: 50 })
  const base = await listen(app)
  const url = `${base.replace('http', 'ws')}/health`

  const alive = await open(url)
  const pings = { count: 0 }
  alive.on('ping', () => { pings.count++ })
  const deaf = await open(url, { autoPong: false })
  const [code] = await settles(once(deaf, 'close'), 'the silent socket being cut')
  t.equal(code, 1006, 'the socket that never pongs is cut without a close handshake')
  t.ok(logs.some(l => l.msg === 'websocket did not answer a ping in time: cut'), 'the cut is logged')

  await settles((async () => { while (pings.count < 5) await sleep(10) })(), 'five pings to the live socket')
  t.equal(alive.readyState, WebSocket.OPEN, 'a socket that answers every ping stays open')
  alive.close()
  await settles(once(alive, 'close'), 'the close')
})

test('refuses a pingInterval that is not a positive integer', async t => {
  for (const pingInterval of [0, -1, 1.5, '30000']) {
    await t.rejects(build(t, { '/x': ['text/plain', 'x'] }, { pingInterval: pingInterval as number }), { code: 'KINDS_ERR_OPTION', message: /pingInterval/ })
  }
})
