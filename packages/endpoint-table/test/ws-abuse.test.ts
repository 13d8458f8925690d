import { test } from 'tap'
import { once } from 'node:events'
import WebSocket from 'ws'
import { sleep } from '../src/index.ts'
import { build, listen, port, settles } from './helpers.ts'
import { frame, RawWebSocket } from './ws-frames.ts'

const code = (n: number): Buffer => {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(n)
  return b
}

/** Frames a client must never send, and the close code the server answers each with. */
const cases: Array<{ name: string, bytes: Buffer, code: number }> = [
  { name: 'an unmasked frame', bytes: frame(0x81, 'hi', { masked: false }), code: 1002 },
  { name: 'a reserved opcode', bytes: frame(0x83, 'hi'), code: 1002 },
  { name: 'a reserved control opcode', bytes: frame(0x8b, ''), code: 1002 },
  { name: 'RSV1 without an extension', bytes: frame(0xc1, 'hi'), code: 1002 },
  { name: 'a continuation with nothing to continue', bytes: frame(0x80, 'hi'), code: 1002 },
  { name: 'a fragmented ping', bytes: frame(0x09, 'hi'), code: 1002 },
  { name: 'a ping over 125 bytes', bytes: frame(0x89, Buffer.alloc(126)), code: 1002 },
  { name: 'a close with code 999', bytes: frame(0x88, code(999)), code: 1002 },
  { name: 'a close with a one-byte payload', bytes: frame(0x88, Buffer.from([3])), code: 1002 },
  { name: 'invalid UTF-8 in a text frame', bytes: frame(0x81, Buffer.from([0xc3, 0x28])), code: 1007 },
  { name: 'invalid UTF-8 across fragments', bytes: Buffer.concat([frame(0x01, Buffer.from([0xe2, 0x82])), frame(0x80, Buffer.from([0x28]))]), code: 1007 },
  { name: 'invalid UTF-8 in a close reason', bytes: frame(0x88, Buffer.concat([code(1000), Buffer.from([0xff])])), code: 1007 },
  { name: 'a frame announcing 1 TiB', bytes: frame(0x82, '', { length: 2 ** 40 }), code: 1009 },
  { name: 'fragments adding up past maxPayload', bytes: Buffer.concat([frame(0x02, Buffer.alloc(800)), frame(0x80, Buffer.alloc(800))]), code: 1009 }
]

function countTimers (): number {
  return process.getActiveResourcesInfo().filter(r => r === 'Timeout').length
}

async function until (condition: () => boolean, what: string): Promise<void> {
  await settles((async () => { while (!condition()) await sleep(10) })(), what)
}

test('closes bad frames with 1002, invalid UTF-8 with 1007 and a message over maxPayload with 1009, serving others meanwhile', async t => {
  const { app, logs, sockets } = await build(t, {
    '/echo': ['text/plain', 'x', async (_h, ws) => { for await (const m of ws) await ws.send(m) }]
  }, { maxPayload: 1024 })
  const base = await listen(app)
  const timers = countTimers()
  const good = new WebSocket(`${base.replace('http', 'ws')}/echo`)
  await settles(once(good, 'open'), 'the well-behaved client opening')

  for (const c of cases) {
    const raw = await RawWebSocket.open(port(app), '/echo')
    raw.write(c.bytes)
    await until(() => raw.closeCode !== null && raw.ended, `the close after ${c.name}`)
    t.equal(raw.closeCode, c.code, `${c.name}: close ${c.code}`)
    good.send(c.name)
    const [echo] = await settles(once(good, 'message'), `the echo while ${c.name}`)
    t.equal(String(echo), c.name, `another client is served after ${c.name}`)
  }
  t.equal(logs.filter(l => l.msg === 'websocket error' && l.level === 40).length, cases.length, 'one warn line each')
  good.close()
  await until(() => sockets.size === 0, 'every socket gone')
  await until(() => countTimers() <= timers, 'every timer gone')
  t.pass('no socket or timer is left behind')
})

test('closes a ping flood with 1008 and a close frame instead of cutting it', async t => {
  const { app, logs, sockets } = await build(t, { '/echo': ['text/plain', 'x', async (_h, ws) => { for await (const m of ws) await ws.send(m) }] })
  await listen(app)
  const timers = countTimers()
  const raw = await RawWebSocket.open(port(app), '/echo')
  // 500 pings in one write: `ws` parses them in one go, before any pong is written.
  raw.write(Buffer.concat(Array.from({ length: 500 }, () => frame(0x89, 'p'))))
  await until(() => raw.ended, 'the flood being closed')
  t.equal(raw.closeCode, 1008, 'the flooder gets a close frame with 1008 (policy violation)')
  const pongs = raw.frames.filter(f => f.opcode === 0x0a).length
  t.ok(pongs > 0 && pongs <= 60, `at most 60 pongs were written (${pongs})`)
  t.ok(logs.some(l => l.msg === 'websocket ping flood: closing with 1008'), 'the flood is logged')

  const ok = await RawWebSocket.open(port(app), '/echo')
  ok.write(Buffer.concat(Array.from({ length: 20 }, () => frame(0x89, 'p'))))
  await until(() => ok.frames.length === 20, 'twenty pongs')
  t.equal(ok.closeCode, null, 'twenty pings at once are answered, not a flood')
  ok.write(frame(0x88, code(1000)))
  await until(() => ok.ended, 'the close handshake')
  t.equal(ok.closeCode, 1000, 'the close is answered')
  await until(() => sockets.size === 0 && countTimers() <= timers, 'every socket and timer gone')
})
