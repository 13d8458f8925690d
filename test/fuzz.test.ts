// A seeded fuzz run over real sockets: a few thousand HTTP requests (plain and TLS) and WebSocket
// frames, each answered with a valid status or close code, then a normal request, and nothing left behind.
// FUZZ_SEED=<n> replays another run; the seed is in the test's name.
import { once } from 'node:events'
import { readdirSync } from 'node:fs'
import net from 'node:net'
import tls from 'node:tls'
import tap, { test } from 'tap'
import Fastify from 'fastify'
import WebSocket from 'ws'
import kindRouter from '@kinds/kind-router'
import snippetsUi from '@kinds/snippets-ui'
import { sleep, type EndpointTable } from '@kinds/endpoint-table'
import { frame, RawWebSocket } from '../packages/endpoint-table/test/ws-frames.ts'

// Two phases of at most 20 s each: room beyond tap's 60 s on a loaded machine.
tap.setTimeout(120_000)

const seed = Number(process.env.FUZZ_SEED ?? 8)
const REQUESTS = 2000
const FRAMES = 2000
/** Each phase stops here whatever is left (tap cuts a file at 60 s): a bound, not a measure. */
const PHASE_MS = 20_000

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
function prng (a: number): () => number {
  return () => {
    a |= 0
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const random = prng(seed)
const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1))
const pick = <T>(list: readonly T[]): T => list[int(0, list.length - 1)]!
const chance = (p: number): boolean => random() < p
const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(0, 255)))
const text = (n: number): string => Array.from({ length: n }, () => pick(['a', 'Z', '0', ' ', '/', '%', '.', 'é', '€', '😀', '\t', '"', '{', '}'])).join('')

const endpoints: EndpointTable = {
  '/ok': ['application/json', () => ({ ok: true })],
  '/data': ['text/plain', 'static data'],
  '/echo': ['text/plain', async (_h, stream) => await stream.getBodyAsString(), async (_h, ws) => { for await (const m of ws) await ws.send(m) }],
  '/status': ['text/plain', () => 418],
  '/throws': ['text/plain', () => { throw new Error('fuzz') }],
  '/health': ['application/json', '["up"]', async (_h, ws) => { while (await ws.send('["up"]')) if (!await sleep(100, ws.signal)) break }]
}

const methods = ['GET', 'GET', 'GET', 'HEAD', 'POST', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'get', 'FOO', 'G\0T', '']
const paths = ['/', '/ok', '/ok/deeper', '/data', '/echo', '/status', '/throws', '/health', '/nope', '/stats', '/metrics', '/static/app.js', '/static/../index.js', '/static/%2e%2e/x', '*', 'http://127.0.0.1/ok', '', '//', '/%', '/%zz', '/%00', '/ok?a=b&c']
const versions = ['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.x', 'http/1.1', '']

/** One HTTP/1.x request: mostly well-formed, with the shapes smugglers and broken clients use. */
function httpRequest (): { data: Buffer, clean: boolean } {
  if (chance(0.4)) return wellFormed()
  let clean = true
  const method = pick(methods)
  let path = pick(paths)
  if (chance(0.2)) path = '/' + (chance(0.5) ? encodeURIComponent(text(int(0, 40))) : text(int(0, 40)))
  const version = pick(versions)
  if (!/^[A-Z]+$/.test(method) || method === 'CONNECT' || !path.startsWith('/') || version !== 'HTTP/1.1') clean = false
  const lines = [`${method} ${path} ${version}`]
  if (chance(0.95)) lines.push('Host: 127.0.0.1')
  else clean = false
  let body = ''
  const shape = int(0, 12)
  if (shape === 0) {
    body = text(int(0, 200))
    lines.push(`Content-Length: ${Buffer.byteLength(body)}`)
  } else if (shape === 1) {
    body = `${int(1, 20).toString(16)}\r\n${'x'.repeat(20)}\r\n0\r\n\r\n`
    lines.push('Transfer-Encoding: chunked')
    clean = false
  } else if (shape === 2) {
    lines.push('Content-Length: 5', 'Transfer-Encoding: chunked')
    body = '0\r\n\r\n'
    clean = false
  } else if (shape === 3) {
    lines.push('Content-Length: 3', 'Content-Length: 4')
    body = 'abcd'
    clean = false
  } else if (shape === 4) {
    lines.push('X-Folded: one', ' two')
    clean = false
  } else if (shape === 5) {
    lines.push(`X-Big: ${'b'.repeat(int(1000, 20_000))}`)
    clean = false
  } else if (shape === 6) {
    lines.push(`Content-Length: ${pick(['abc', '-1', '1e3', ' 3', '99999999999999999999'])}`)
    clean = false
  } else if (shape === 7) {
    lines.push('Expect: 100-continue', 'Content-Length: 2')
    body = 'hi'
  } else if (shape === 8) {
    lines.push('Connection: Upgrade', 'Upgrade: websocket', `Sec-WebSocket-Version: ${pick(['13', '8', 'x'])}`)
    if (chance(0.5)) lines.push('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==')
    clean = false
  } else if (shape === 9) {
    lines.push(`${pick(['X Bad', 'X:Bad', 'Bad\u00e9', '', ':authority'])}: v`)
    clean = false
  } else if (shape === 10) {
    lines.push('Host: other.example')
    clean = false
  }
  for (let i = int(0, 3); i > 0; i--) lines.push(`X-Fuzz-${i}: ${text(int(0, 30)).replace(/[\r\n]/g, '')}`)
  let data: Buffer = Buffer.from(lines.join('\r\n') + '\r\n\r\n' + body, 'utf8')
  if (chance(0.08)) {
    data = Buffer.from(data)
    for (let i = int(1, 4); i > 0; i--) data[int(0, data.length - 1)] = int(0, 255)
    clean = false
  } else if (chance(0.03)) {
    data = bytes(int(1, 300))
    // A first byte 0x16 is a TLS record and goes to the TLS side of the port.
    clean = false
  }
  return { data, clean }
}

/** A request any HTTP/1.1 server must answer with a status. */
function wellFormed (): { data: Buffer, clean: boolean } {
  const method = pick(['GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'])
  const path = pick(['/', '/ok', '/ok/deeper', '/data', '/echo', '/status', '/throws', '/nope', '/stats', '/metrics', '/static/app.js', '/static/app.css', '/ok?a=b']) +
    (chance(0.2) ? '/' + encodeURIComponent(text(int(1, 20))) : '')
  const body = method === 'POST' || method === 'PUT' ? text(int(0, 300)) : ''
  const headers = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', `Accept-Encoding: ${pick(['gzip', 'br, gzip', 'identity', '*'])}`]
  if (body !== '') headers.push(`Content-Length: ${Buffer.byteLength(body)}`)
  return { data: Buffer.from(headers.join('\r\n') + '\r\n\r\n' + body), clean: true }
}

interface Answer { statuses: number[], bytes: number, closedSilently: boolean }

/**
 * Sends `data` on a fresh connection and reads until a final status and its headers came or the
 * server closed. A malformed request the server still waits on is ended by the client (no timing
 * is asserted: Node answers nothing to a half-closed request it is still reading).
 */
async function exchange (port: number, data: Buffer, overTls: boolean, clean: boolean): Promise<Answer> {
  const socket = overTls
    ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
    : net.connect(port, '127.0.0.1')
  socket.on('error', () => {})
  let received = ''
  let answered = false
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1')
    // A final status (not 1xx) with its headers: enough to judge, the body does not matter.
    if (/(?:^|\r\n)HTTP\/1\.[01] [2-9]\d\d [^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n/.test(received) || /^(?!HTTP\/)/.test(received)) {
      answered = true
      socket.destroy()
    }
  })
  const closed = once(socket, 'close')
  await Promise.race([once(socket, overTls ? 'secureConnect' : 'connect'), closed])
  socket.write(data)
  const timers = [
    setTimeout(() => { if (!answered && received === '') socket.end() }, clean ? 10_000 : 300),
    setTimeout(() => socket.destroy(), 15_000)
  ]
  await closed
  for (const timer of timers) clearTimeout(timer)
  const statuses = [...received.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3}) /g)].map(m => Number(m[1]))
  return { statuses, bytes: received.length, closedSilently: received.length === 0 }
}

/** Close codes a server may send: the RFC's and the registered or private ranges it echoes. */
const validCloseCodes = (code: number): boolean =>
  [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014].includes(code) || (code >= 3000 && code <= 4999)

/** One client frame: valid mostly, and in a dirty connection now and then one the protocol forbids. */
function wsFrame (dirty: boolean): Buffer {
  const broken = dirty && chance(0.15)
  const roll = random()
  let opcode = roll < 0.4 ? 1 : roll < 0.7 ? 2 : roll < 0.85 ? 9 : 10
  let fin = 0x80
  let rsv = 0
  let masked = true
  if (broken) {
    const how = int(0, 5)
    if (how === 0) opcode = pick([0, 3, 4, 5, 6, 7, 11, 12, 13, 14, 15])
    else if (how === 1) fin = 0
    else if (how === 2) rsv = int(1, 7) << 4
    else if (how === 3) masked = false
    else if (how === 4) return frame(0x82, Buffer.alloc(0), { length: 2 ** 33 })
    else opcode = 8
  }
  let payload: Buffer
  if (opcode === 8) {
    const code = Buffer.alloc(2)
    code.writeUInt16BE(pick([1000, 1001, 1002, 1005, 1006, 1015, 999, 2999, 3000, 4999, 5000, int(0, 65535)]))
    payload = chance(0.1) ? bytes(1) : Buffer.concat([code, chance(0.5) ? Buffer.from(text(int(0, 20))) : bytes(int(0, 10))])
  } else {
    const length = (opcode & 8) !== 0 ? int(0, broken ? 130 : 125) : int(0, 400)
    // Text frames carry UTF-8, except when broken: then any bytes.
    payload = opcode === 1 && !broken ? Buffer.from(text(length)) : bytes(length)
  }
  return frame(fin | rsv | opcode, payload, { masked })
}

test(`fuzz (seed ${seed}): every request gets a valid status or a close, every WebSocket a valid close code, and nothing leaks`, async t => {
  const app = Fastify({ logger: false })
  await app.register(kindRouter)
  await app.register(snippetsUi)
  await app.http.config({ endpoints, maxPayload: 64 * 1024 }, 'api')
  t.teardown(() => app.close())
  await app.ready()
  const [api] = await app.net.listen('127.0.0.1', 0, { kind: 'api' })
  const [webmgmt] = await app.net.listen('127.0.0.1', 0, { kind: 'webmgmt' })
  const ports = [api!.port!, webmgmt!.port!]
  const connections = (): number => app.net.list().reduce((n, l) => n + l.connections, 0)
  const fds = (): number => readdirSync('/proc/self/fd').length
  const fdsBefore = fds()
  let deadline = Date.now() + PHASE_MS

  // HTTP, eight connections at a time.
  const byStatus = new Map<number, number>()
  let silent = 0
  let done = 0
  const bad: string[] = []
  const queue = Array.from({ length: REQUESTS }, () => ({ ...httpRequest(), overTls: chance(0.2), port: pick(ports) }))
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let r = queue.shift(); r !== undefined && Date.now() < deadline; r = queue.shift()) {
      const answer = await exchange(r.port, r.data, r.overTls, r.clean)
      done++
      for (const s of answer.statuses) byStatus.set(s, (byStatus.get(s) ?? 0) + 1)
      if (answer.closedSilently) silent++
      const sample = JSON.stringify(r.data.subarray(0, 80).toString('latin1'))
      if (answer.statuses.some(s => s < 100 || s > 599)) bad.push(`invalid status for ${sample}`)
      if (!answer.closedSilently && answer.statuses.length === 0) bad.push(`bytes without a status line for ${sample}`)
      if (r.clean && answer.statuses.length === 0) bad.push(`no status for a well-formed request ${sample}`)
    }
  }))
  t.same(bad, [], `${done} requests: statuses ${JSON.stringify(Object.fromEntries([...byStatus].sort((a, b) => a[0] - b[0])))}, ${silent} closed without an answer (malformed)`)
  t.ok(done >= REQUESTS / 4, `${done} of ${REQUESTS} requests ran in ${PHASE_MS - (deadline - Date.now())} ms`)
  deadline = Date.now() + PHASE_MS

  // WebSocket frames, one connection after the other, each ended by a close frame of ours.
  const codes = new Map<number | null, number>()
  let frames = 0
  let sockets = 0
  while (frames < FRAMES && Date.now() < deadline) {
    const raw = await RawWebSocket.open(api!.port!, pick(['/echo', '/health']))
    raw.socket.on('error', () => {})
    const dirty = chance(0.5)
    const batch = Array.from({ length: int(1, 30) }, () => wsFrame(dirty))
    frames += batch.length
    sockets++
    const close = Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8])
    raw.socket.write(Buffer.concat([...batch, close]))
    const end = Date.now() + 5000
    while (!raw.ended && Date.now() < end) await sleep(5)
    codes.set(raw.closeCode, (codes.get(raw.closeCode) ?? 0) + 1)
    if (!raw.ended) raw.socket.destroy()
  }
  const invalid = [...codes.keys()].filter(c => c === null || !validCloseCodes(c))
  t.same(invalid, [], `${frames} frames over ${sockets} WebSockets: close codes ${JSON.stringify(Object.fromEntries(codes))}`)
  t.ok(frames >= FRAMES / 4, `${frames} of ${FRAMES} frames ran in ${PHASE_MS - (deadline - Date.now())} ms`)

  // Still serving, and back to where it started.
  const ok = await fetch(`http://127.0.0.1:${api!.port}/ok`)
  t.equal(ok.status, 200, 'a normal request is answered afterwards')
  const echo = new WebSocket(`ws://127.0.0.1:${api!.port}/echo`)
  await once(echo, 'open')
  echo.send('still here')
  const [message] = await once(echo, 'message')
  t.equal(String(message), 'still here', 'a normal WebSocket is answered afterwards')
  echo.close()
  await once(echo, 'close')
  const settle = Date.now() + 10_000
  while ((connections() > 0 || fds() > fdsBefore + 2) && Date.now() < settle) await sleep(20)
  t.equal(connections(), 0, 'every connection is gone')
  t.ok(fds() <= fdsBefore + 2, `open file descriptors back to the start (${fdsBefore} → ${fds()})`)
})
