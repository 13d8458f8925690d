import { test } from 'tap'
import { connect } from 'node:net'
import { on, once } from 'node:events'
import WebSocket from 'ws'
import { sleep, type EndpointWebSocket } from '../src/index.ts'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import websocket from '@fastify/websocket'
import endpointTable, { type EndpointTableOptions } from '../src/index.ts'
import type { LogLine } from './helpers.ts'

async function build (options: EndpointTableOptions, fastifyOptions: FastifyServerOptions = {}): Promise<{ app: FastifyInstance, logs: LogLine[] }> {
  const logs: LogLine[] = []
  const stream = new Writable({
    write (chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') logs.push(JSON.parse(line))
      done()
    }
  })
  const app = Fastify({ logger: { level: 'info', stream }, ...fastifyOptions })
  await app.register(endpointTable, options)
  return { app, logs }
}

async function listen (app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return (app.server.address() as import('node:net').AddressInfo).port
}

function open (url: string, protocols?: string[]): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols)
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

function closed (ws: WebSocket): Promise<{ code: number, reason: string }> {
  return new Promise(resolve => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })))
}

/** Writes a raw HTTP/1.1 request and collects everything the server sends until it closes or `until` matches. */
function raw (port: number, request: string, until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let data = ''
    socket.on('data', chunk => {
      data += chunk.toString('latin1')
      if (until?.test(data) === true) {
        socket.destroy()
        resolve(data)
      }
    })
    socket.on('end', () => resolve(data))
    socket.on('close', () => resolve(data))
    socket.on('error', reject)
    socket.write(request)
  })
}

test('streams the seed /health status over a WebSocket until the client goes', async t => {
  let handlerEnded = false
  const { app } = await build({
    endpoints: {
      '/health': ['application/json', () => ({ state: 'up', uptime: 0 }), async (_h, ws) => {
        let ok = true
        while (ok) {
          ok = await ws.send(JSON.stringify(['up']))
          await sleep(20, ws.signal)
        }
        handlerEnded = true
      }]
    }
  })
  t.teardown(() => app.close())
  const port = await listen(app)
  const client = await open(`ws://127.0.0.1:${port}/health`)
  const messages: string[] = []
  for await (const [data] of on(client, 'message')) {
    messages.push(String(data))
    if (messages.length === 3) break
  }
  t.same(messages, ['["up"]', '["up"]', '["up"]'])
  client.terminate()
  await waitFor(() => handlerEnded)
  t.ok(handlerEnded, 'the send loop ended by itself once send resolved false')
})

test('answers the seed curl upgrade with key "nope" byte for byte', async t => {
  const { app } = await build({
    endpoints: { '/health': ['application/json', { state: 'up' }, async (_h, ws) => { await ws.send('["up"]') }] }
  })
  t.teardown(() => app.close())
  const port = await listen(app)
  const answer = await raw(port, [
    'GET /health HTTP/1.1',
    'Host: localhost:8453/health',
    'User-Agent: curl/7.88.1',
    'Accept: */*',
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-Websocket-Key: nope',
    'Sec-Websocket-Version: 13',
    '', ''
  ].join('\r\n'), /\["up"\]/)
  const head = answer.slice(0, answer.indexOf('\r\n\r\n') + 4)
  t.equal(head, 'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nsec-websocket-accept: eg18mwU7CDRGUF1Q+EJwPM335eM=\r\nconnection: upgrade\r\n\r\n')
  t.match(answer.slice(head.length), /\["up"\]/, 'then a text frame ["up"]')
})

test('echoes the json subprotocol when the client offers it, and no other', async t => {
  const protocols: string[] = []
  const { app } = await build({
    endpoints: { '/p': ['text/plain', 'x', (_h, ws) => { protocols.push(ws.protocol) }] }
  })
  t.teardown(() => app.close())
  const port = await listen(app)
  const a = await open(`ws://127.0.0.1:${port}/p`, ['chat', 'json'])
  t.equal(a.protocol, 'json')
  await closed(a)
  const b = await open(`ws://127.0.0.1:${port}/p`)
  t.equal(b.protocol, '')
  await closed(b)
  t.same(protocols, ['json', ''])
  await t.rejects(open(`ws://127.0.0.1:${port}/p`, ['chat']), 'a client that insists on another subprotocol is refused by its own library')
})

test('closes with 1000 when the handler returns and 1011 when it throws', async t => {
  const { app, logs } = await build({
    endpoints: {
      '/done': ['text/plain', 'x', async () => {}],
      '/boom': ['text/plain', 'x', async () => { throw new Error('kaboom') }],
      '/sync-boom': ['text/plain', 'x', () => { throw new Error('sync kaboom') }]
    }
  })
  t.teardown(() => app.close())
  const port = await listen(app)
  t.equal((await closed(await open(`ws://127.0.0.1:${port}/done`))).code, 1000)
  t.equal((await closed(await open(`ws://127.0.0.1:${port}/boom`))).code, 1011)
  t.equal((await closed(await open(`ws://127.0.0.1:${port}/sync-boom`))).code, 1011)
  const errors = logs.filter(l => l.level === 50)
  t.equal(errors.length, 2, 'each failure is logged at error level')
  t.match(errors[0], { msg: 'websocket handler failed', err: { message: 'kaboom', stack: /kaboom/ } })
  t.ok(logs.some(l => l.msg === 'websocket open') && logs.some(l => l.msg === 'websocket closed' && l.code === 1000), 'open and close are logged')
})

test('receives messages with receive() and async iteration, then null once closed', async t => {
  const seen: Array<string | Buffer | null> = []
  const { app } = await build({
    endpoints: {
      '/echo': ['text/plain', 'x', async (_h, ws) => {
        seen.push(await ws.receive())
        for await (const message of ws) {
          if (message === 'bye') break
          await ws.send(typeof message === 'string' ? message.toUpperCase() : message)
        }
        seen.push(await ws.receive())
      }]
    }
  })
  t.teardown(() => app.close())
  const port = await listen(app)
  const client = await open(`ws://127.0.0.1:${port}/echo`)
  const replies: Array<string | Buffer> = []
  client.on('message', (data, isBinary) => replies.push(isBinary ? data as Buffer : String(data)))
  client.send('first')
  client.send('hello')
  client.send(Buffer.from([1, 2, 3]))
  await waitFor(() => replies.length === 2)
  client.send('bye')
  client.close(1000)
  const { code } = await closed(client)
  t.equal(code, 1000)
  t.same(replies, ['HELLO', Buffer.from([1, 2, 3])], 'text comes as a string, binary as a Buffer')
  await waitFor(() => seen.length === 2)
  t.equal(seen[0], 'first')
  t.equal(seen[1], null, 'receive gives null once the socket is closed')
})

test('a handler that listens to ws.raw itself reads every message, and nothing is queued or dropped for receive()', async t => {
  let receiveError: unknown
  let server: EndpointWebSocket | undefined
  const { app, logs } = await build({
    endpoints: {
      '/raw': ['text/plain', 'x', (_h, ws) => new Promise<void>(resolve => {
        server = ws
        ws.raw.on('message', (data, isBinary) => ws.raw.send(data as Buffer, { binary: isBinary }))
        ws.raw.once('close', () => resolve())
        ws.receive().catch(err => { receiveError = err })
      })],
      // Messages before the listener are queued for receive(), then dropped unread when it takes over.
      '/late': ['text/plain', 'x', async (_h, ws) => {
        // The client pings after its three messages: frames are read in order, so all three are queued by then.
        await once(ws.raw, 'ping')
        ws.raw.on('message', () => {})
        await ws.send(String(ws.dropped))
      }],
      // receive() first: a 'message' listener added later watches the messages beside it.
      '/both': ['text/plain', 'x', async (_h, ws) => {
        const watched: string[] = []
        const first = ws.receive()
        ws.raw.on('message', data => watched.push(String(data)))
        await ws.send(`${String(await first)} ${String(await ws.receive())} watched ${watched.join(',')}`)
      }]
    }
  })
  t.teardown(() => app.close())
  const port = await listen(app)
  const client = await open(`ws://127.0.0.1:${port}/raw`)
  const replies: string[] = []
  client.on('message', data => replies.push(String(data)))
  // More than the 64 unread messages a socket holds for receive(): none may be dropped.
  for (let i = 0; i < 200; i++) client.send(`m${i}`)
  await waitFor(() => replies.length === 200)
  t.same(replies, Array.from({ length: 200 }, (_, i) => `m${i}`), 'every message is echoed, in order')
  t.equal(server!.dropped, 0, 'nothing is dropped')
  t.match(receiveError, { code: 'KINDS_ERR_WS_READ_RAW', message: /"message" listener on ws\.raw/ }, 'receive() says why it has nothing')
  client.close(1000)
  await closed(client)
  await waitFor(() => logs.some(l => l.msg === 'websocket closed'))
  t.notOk(logs.some(l => /dropped/.test(String(l.msg))), 'no drop warning')

  const late = await open(`ws://127.0.0.1:${port}/late`)
  const dropped = new Promise<string>(resolve => late.once('message', data => resolve(String(data))))
  for (const m of ['x', 'y', 'z']) late.send(m)
  late.ping()
  t.equal(await dropped, '3', 'messages queued before the listener took over count as dropped')
  late.close(1000)
  await closed(late)

  const both = await open(`ws://127.0.0.1:${port}/both`)
  const answer = new Promise<string>(resolve => both.once('message', data => resolve(String(data))))
  both.send('a')
  both.send('b')
  t.equal(await answer, 'a b watched a,b')
  both.close(1000)
  await closed(both)
})

test('answers an upgrade to an endpoint without onWebsocket as plain HTTP, and to an unknown path with 404', async t => {
  const { app } = await build({ endpoints: { '/service': ['application/json', () => ({ value: 42 })] } })
  t.teardown(() => app.close())
  const port = await listen(app)
  const upgrade = (path: string): string => [
    `GET ${path} HTTP/1.1`, 'Host: localhost', 'Connection: Upgrade', 'Upgrade: websocket',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', '', ''
  ].join('\r\n')
  const plain = await raw(port, upgrade('/service'))
  t.match(plain, /^HTTP\/1\.1 200 OK\r\n/)
  t.match(plain, /\r\ncontent-type: application\/json\r\n/)
  t.match(plain, /\r\n\r\n\{"value":42\}$/, 'the body of onServe, then the server closes')
  const missing = await raw(port, upgrade('/nothing-here'))
  t.match(missing, /^HTTP\/1\.1 404 Not Found\r\n/)
  t.notMatch(missing, /101/)
})

test('lets a hook of the instance refuse an upgrade with a real HTTP status', async t => {
  const { app } = await build({ endpoints: { '/feed': ['text/plain', 'x', (_h, ws) => ws.send('hi')] } }, {})
  t.teardown(() => app.close())
  // Registered on the parent before listen: hooks reach the table's routes.
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers.authorization !== 'Bearer ok') return reply.code(401).send()
  })
  const port = await listen(app)
  const ws = new WebSocket(`ws://127.0.0.1:${port}/feed`)
  ws.on('error', () => {})
  const [, response] = await once(ws, 'unexpected-response') as [unknown, { statusCode: number }]
  t.equal(response.statusCode, 401)
  ws.terminate()
  const allowed = new WebSocket(`ws://127.0.0.1:${port}/feed`, { headers: { authorization: 'Bearer ok' } })
  const [data] = await once(allowed, 'message')
  t.equal(String(data), 'hi')
  allowed.terminate()
})

test('keeps memory bounded when a client stops reading', async t => {
  let sends = 0
  let server: EndpointWebSocket | undefined
  const chunk = Buffer.alloc(16 * 1024, 1)
  const { app } = await build({
    endpoints: {
      '/flood': ['text/plain', 'x', async (_h, ws) => {
        server = ws
        while (await ws.send(chunk)) sends++
      }]
    }
  })
  t.teardown(() => app.close())
  const port = await listen(app)
  // A raw client that completes the handshake and then never reads again.
  const socket = connect(port, '127.0.0.1')
  socket.write('GET /flood HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')
  await once(socket, 'data')
  socket.pause()
  await waitFor(() => sends > 10)
  let previous = -1
  while (previous !== sends) {
    previous = sends
    await sleep(300)
  }
  t.ok(sends < 2000, `the send loop stalls once the socket is full (${sends} sends of 16 KiB)`)
  t.ok(server!.raw.bufferedAmount < 1024 * 1024, `at most 1 MiB waits in the server (${server!.raw.bufferedAmount} bytes)`)
  socket.destroy()
  await waitFor(() => server!.closed)
})

test('fires the signal and leaves no timer when the client disconnects mid-handler', async t => {
  let slept: boolean | undefined
  let aborted = false
  const { app } = await build({
    endpoints: {
      '/wait': ['text/plain', 'x', async (_h, ws) => {
        ws.signal.addEventListener('abort', () => { aborted = true })
        slept = await sleep(60_000, ws.signal)
      }]
    }
  })
  t.teardown(() => app.close())
  const port = await listen(app)
  const timersBefore = countTimers()
  const client = await open(`ws://127.0.0.1:${port}/wait`)
  await sleep(50)
  client.terminate()
  await waitFor(() => slept !== undefined)
  t.equal(aborted, true, 'the signal fired')
  t.equal(slept, false, 'sleep ended early')
  t.ok(countTimers() <= timersBefore, `no timer is left running (${process.getActiveResourcesInfo().join(', ')})`)
})

test('closes with 1009 when a message is over maxPayload and 1007 on invalid UTF-8', async t => {
  const { app, logs } = await build({ maxPayload: 1024, endpoints: { '/in': ['text/plain', 'x', async (_h, ws) => { while (await ws.receive() !== null); }] } })
  t.teardown(() => app.close())
  const port = await listen(app)
  const big = await open(`ws://127.0.0.1:${port}/in`)
  big.send(Buffer.alloc(2048))
  t.equal((await closed(big)).code, 1009)
  const bad = await open(`ws://127.0.0.1:${port}/in`)
  // A text frame whose payload is not UTF-8; ws clients refuse to send one, so write the frame by hand.
  const socket = (bad as unknown as { _socket: import('node:net').Socket })._socket
  socket.write(Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0xc3, 0x28]))
  t.equal((await closed(bad)).code, 1007)
  t.ok(logs.some(l => l.level === 40 && l.msg === 'websocket error'), 'each is logged')
})

test('answers pings whatever the handler does', async t => {
  const { app } = await build({ endpoints: { '/idle': ['text/plain', 'x', async (_h, ws) => { await sleep(60_000, ws.signal) }] } })
  t.teardown(() => app.close())
  const port = await listen(app)
  const client = await open(`ws://127.0.0.1:${port}/idle`)
  client.ping('are you there')
  const [data] = await once(client, 'pong')
  t.equal(String(data), 'are you there')
  client.close(1000)
  t.equal((await closed(client)).code, 1000)
})

test('works through the app\'s own injectWS without a socket, when the app registers @fastify/websocket first', async t => {
  const app = Fastify()
  await app.register(websocket)
  await app.register(endpointTable, { endpoints: { '/hi': ['text/plain', 'x', (_h, ws) => ws.send('hello')] } })
  t.teardown(() => app.close())
  await app.ready()
  const messages: string[] = []
  // injectWS hands over frames as soon as the handshake ends, so listen from the start.
  const client = await app.injectWS('/hi', {}, { onInit: ws => ws.on('message', data => messages.push(String(data))) })
  await waitFor(() => messages.length === 1)
  t.same(messages, ['hello'])
  client.terminate()
})

async function waitFor (condition: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await sleep(10)
  }
}

function countTimers (): number {
  return process.getActiveResourcesInfo().filter(r => r === 'Timeout').length
}
