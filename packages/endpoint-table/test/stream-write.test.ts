import { once } from 'node:events'
import { test } from 'tap'
import { request } from 'undici'
import { build, connect, deferred, errors, listen, settles } from './helpers.ts'
import { headers } from '../src/index.ts'

test('writes the status and headers of a headers.new() list with writeHeaders', async t => {
  const { app } = await build(t, {
    '/own': ['application/json', async (_h, stream) => {
      const hsend = headers.new()
      hsend.append(':status', '203')
      hsend.append('content-type', 'text/x-mine')
      hsend.append('set-cookie', 'a=1')
      hsend.append('set-cookie', 'b=2')
      hsend.append('X-Upper', 'kept')
      t.equal(await stream.writeHeaders(hsend, false), true, 'writeHeaders resolves true')
      t.equal(await stream.writeChunk('body', true), true, 'writeChunk resolves true')
      return false as const
    }]
  })
  const res = await app.inject('/own')
  t.equal(res.statusCode, 203)
  t.equal(res.headers['content-type'], 'text/x-mine')
  t.same(res.headers['set-cookie'], ['a=1', 'b=2'], 'both values of a header appended twice')
  t.equal(res.headers['x-upper'], 'kept')
  t.equal(res.body, 'body')
})

test('takes a plain object or a list of pairs in writeHeaders as well', async t => {
  const { app } = await build(t, {
    '/object': ['text/plain', async (_h, stream) => {
      await stream.writeHeaders({ ':status': 202, 'x-list': ['1', '2'], 'x-num': 7 }, true)
      return false as const
    }],
    '/pairs': ['text/plain', async (_h, stream) => {
      await stream.writeHeaders(new Map([[':status', '206'], ['x-pair', 'p']]), true)
      return false as const
    }]
  })
  const object = await app.inject('/object')
  t.equal(object.statusCode, 202)
  t.same(object.headers['x-list'], ['1', '2'])
  t.equal(object.headers['x-num'], '7')
  t.equal(object.body, '')
  const pairs = await app.inject('/pairs')
  t.equal(pairs.statusCode, 206)
  t.equal(pairs.headers['x-pair'], 'p')
})

test('answers 200 when writeHeaders has no :status', async t => {
  const { app } = await build(t, {
    '/default': ['text/plain', async (_h, stream) => {
      await stream.writeHeaders({ 'content-type': 'text/x' })
      await stream.writeChunk('ok', true)
      return false as const
    }]
  })
  const res = await app.inject('/default')
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'ok')
})

test('starts a 200 when writeChunk comes without writeHeaders', async t => {
  const { app } = await build(t, {
    '/chunk': ['text/plain', async (_h, stream) => {
      await stream.writeChunk('a')
      await stream.writeChunk('b', true)
      return false as const
    }]
  })
  const res = await app.inject('/chunk')
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'ab')
})

test('streams several chunks with writeChunk, each sent as it is written', async t => {
  const firstArrived = deferred<void>()
  const { app } = await build(t, {
    '/stream': ['text/plain', async (_h, stream) => {
      await stream.writeHeaders(headers.new().append(':status', 200).append('content-type', 'text/plain'), false)
      await stream.writeChunk('one,')
      // The client has the first chunk before the handler goes on: nothing is held back.
      await firstArrived.promise
      await stream.writeChunk(Buffer.from('two,'))
      await stream.writeChunk(new Uint8Array([116, 104, 114, 101, 101]))
      await stream.writeChunk('', true)
      return false as const
    }]
  })
  const base = await listen(app)
  const res = await request(`${base}/stream`)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['transfer-encoding'], 'chunked')
  t.notOk(res.headers['content-length'])
  const received: string[] = []
  for await (const chunk of res.body) {
    received.push(String(chunk))
    firstArrived.resolve()
  }
  t.equal(received.join(''), 'one,two,three')
  t.equal(received[0], 'one,', 'the first chunk came alone')
})

test('refuses a second writeHeaders with a coded error', async t => {
  const code = deferred<string | undefined>()
  const { app } = await build(t, {
    '/twice': ['text/plain', async (_h, stream) => {
      await stream.writeHeaders({ ':status': 200 })
      try {
        await stream.writeHeaders({ ':status': 500 })
      } catch (err) {
        code.resolve((err as { code?: string }).code)
      }
      await stream.writeChunk('first wins', true)
      return false as const
    }]
  })
  const res = await app.inject('/twice')
  t.equal(await code.promise, 'KINDS_ERR_HEADERS_SENT')
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'first wins')
})

test('resolves writeChunk to false after the stream has ended, and keeps the response whole', async t => {
  const late = deferred<boolean>()
  const big = 'x'.repeat(256 * 1024)
  const { app, logs } = await build(t, {
    '/ended': ['text/plain', async (_h, stream) => {
      await stream.writeChunk(big, true)
      late.resolve(await stream.writeChunk('one more'))
      return false as const
    }]
  })
  const base = await listen(app)
  const res = await request(`${base}/ended`)
  t.equal((await res.body.text()).length, big.length, 'every byte of the response arrived')
  t.equal(await late.promise, false)
  t.notOk(logs.some(line => line.level >= 40), 'no stream error')
})

test('resolves writeChunk to false after headers that ended the stream', async t => {
  const late = deferred<boolean>()
  const { app } = await build(t, {
    '/ended': ['text/plain', async (_h, stream) => {
      await stream.writeHeaders({ ':status': 204 }, true)
      late.resolve(await stream.writeChunk('too late'))
      return false as const
    }]
  })
  const res = await app.inject('/ended')
  t.equal(res.statusCode, 204)
  t.equal(await late.promise, false)
})

test('refuses a :status outside 100..599 in writeHeaders with a coded error', async t => {
  const { app, logs } = await build(t, {
    '/status': ['text/plain', async (h, stream) => {
      await stream.writeHeaders({ ':status': h.get('x-status')! }, true)
      return false as const
    }]
  })
  for (const code of ['600', '99', 'abc', '200.5']) {
    const res = await app.inject({ url: '/status', headers: { 'x-status': code } })
    t.equal(res.statusCode, 500, code)
  }
  t.same(errors(logs).map(line => line.err?.message), [
    'Status 600 is not an integer between 100 and 599',
    'Status 99 is not an integer between 100 and 599',
    'Status NaN is not an integer between 100 and 599',
    'Status 200.5 is not an integer between 100 and 599'
  ])
})

test('adds nothing after headers that ended the stream, even behind an async onSend hook', async t => {
  const { app, logs } = await build(t, {
    '/hooked': ['text/plain', async (_h, stream) => {
      await stream.writeHeaders({ ':status': 202, 'x-own': 'yes' }, true)
      return false as const
    }]
  }, {}, {}, async app => {
    app.addHook('onSend', async (_request, reply, payload) => {
      await new Promise(resolve => setImmediate(resolve))
      reply.header('x-hooked', 'yes')
      return payload
    })
  })
  const res = await app.inject('/hooked')
  t.equal(res.statusCode, 202)
  t.equal(res.headers['x-own'], 'yes')
  t.equal(res.headers['x-hooked'], 'yes')
  t.same(errors(logs), [])
  t.notOk(logs.some(line => line.level >= 40), 'no "reply already sent" warning')
})

test('resolves writeChunk to false once the client is gone', async t => {
  const result = deferred<boolean>()
  const { app, logs } = await build(t, {
    '/gone': ['text/plain', async (_h, stream) => {
      await stream.writeHeaders({ 'content-type': 'text/plain' })
      await stream.writeChunk('first')
      await new Promise(resolve => stream.signal.addEventListener('abort', resolve, { once: true }))
      result.resolve(await stream.writeChunk('second'))
      return false as const
    }]
  })
  await listen(app)
  const socket = await connect(app)
  socket.write('GET /gone HTTP/1.1\r\nhost: x\r\n\r\n')
  await once(socket, 'data')
  socket.destroy()
  t.equal(await settles(result.promise, 'the last writeChunk'), false)
  t.same(errors(logs), [])
})

test('ends a writing loop by itself when a client that stopped reading goes away', async t => {
  const blocked = deferred<void>()
  const ended = deferred<number>()
  const big = Buffer.alloc(64 * 1024, 'x')
  const { app } = await build(t, {
    '/firehose': ['application/octet-stream', async (_h, stream) => {
      await stream.writeHeaders({ 'content-type': 'application/octet-stream' })
      let writes = 0
      let ok = true
      while (ok) {
        ok = await stream.writeChunk(big)
        writes++
        if (stream.reply.raw.writableNeedDrain) blocked.resolve()
      }
      ended.resolve(writes)
      return false as const
    }]
  })
  await listen(app)
  const socket = await connect(app)
  socket.write('GET /firehose HTTP/1.1\r\nhost: x\r\n\r\n')
  socket.pause()
  await settles(blocked.promise, 'backpressure')
  socket.destroy()
  const writes = await settles(ended.promise, 'the end of the loop')
  t.ok(writes > 1, `the loop ran (${writes} writes) and ended with false`)
})
