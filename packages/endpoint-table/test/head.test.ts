import { execFile, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { promisify } from 'node:util'
import { test } from 'tap'
import { request } from 'undici'
import { build, connect, listen } from './helpers.ts'
import { status } from '../src/index.ts'

const endpoints = {
  '/json': ['application/json', () => ({ state: 'up', uptime: 0 }), null, 30, true] as const,
  '/text': ['text/plain', async () => 'hello, world'] as const,
  '/static': ['text/html', '<h1>static</h1>'] as const,
  '/missing': ['text/plain', () => status(404, 'no such thing')] as const
}
const compared = ['content-type', 'content-length', 'cache-control', 'access-control-allow-origin']

test('answers HEAD with the headers GET would have had and no body', async t => {
  const { app } = await build(t, endpoints)
  const base = await listen(app)
  for (const path of Object.keys(endpoints)) {
    const get = await request(base + path)
    const getBody = await get.body.text()
    const head = await request(base + path, { method: 'HEAD' })
    t.equal(head.statusCode, get.statusCode, `${path} status`)
    t.equal(await head.body.text(), '', `${path} has no body`)
    t.equal(head.headers['content-length'], String(Buffer.byteLength(getBody)), `${path} content-length of the GET body`)
    for (const name of compared) t.equal(head.headers[name], get.headers[name], `${path} ${name}`)
  }
})

test('sends not one byte of body after the headers of a HEAD', async t => {
  const { app } = await build(t, endpoints)
  await listen(app)
  const socket = await connect(app)
  socket.setEncoding('utf8')
  let raw = ''
  socket.on('data', (chunk: string) => { raw += chunk })
  // A HEAD then a GET on one connection: the GET's status line must follow the HEAD's headers directly.
  socket.end('HEAD /json HTTP/1.1\r\nhost: x\r\n\r\nGET /json HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')
  await once(socket, 'close')
  const [headHead, rest] = raw.split('\r\n\r\n', 2)
  t.match(headHead, /^HTTP\/1\.1 200 OK\r\n/)
  t.match(headHead, /\r\ncontent-length: 25\r\n/i)
  t.match(rest, /^HTTP\/1\.1 200 OK\r\n/, 'the next response starts right after the HEAD headers')
  t.ok(raw.endsWith('\r\n\r\n{"state":"up","uptime":0}'), 'only the GET has the body')
  t.equal(raw.split('{"state"').length, 2, 'the body went out once')
})

test('answers HEAD with no body to curl -sI', { skip: spawnSync('curl', ['--version']).error ? 'curl is not on the PATH' : false }, async t => {
  const { app } = await build(t, endpoints)
  const base = await listen(app)
  const { stdout } = await promisify(execFile)('curl', ['-sI', `${base}/json`])
  const lines = stdout.trim().split('\r\n')
  t.equal(lines[0], 'HTTP/1.1 200 OK')
  const fields = new Map(lines.slice(1).map(line => {
    const colon = line.indexOf(':')
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as const
  }))
  t.equal(fields.get('content-type'), 'application/json')
  t.equal(fields.get('content-length'), String(Buffer.byteLength('{"state":"up","uptime":0}')))
  t.equal(fields.get('cache-control'), 'max-age=30')
  t.notOk(stdout.includes('"state"'), 'no body')
})

test('calls the handler for HEAD with the method HEAD', async t => {
  const { app } = await build(t, { '/m': ['text/plain', h => `method ${h.get(':method')}`] })
  const res = await app.inject({ method: 'HEAD', url: '/m' })
  t.equal(res.statusCode, 200)
  t.equal(res.body, '')
  t.equal(res.headers['content-length'], String('method HEAD'.length))
})
