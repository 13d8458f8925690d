import { test } from 'tap'
import net from 'node:net'
import tls from 'node:tls'
import http2 from 'node:http2'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from './support/app.ts'

/** Paths that try to leave the static root: plain, encoded, double-encoded, absolute, with NUL. */
const attempts = [
  '/static/../index.js',
  '/static/../../package.json',
  '/static/..%2findex.js',
  '/static/%2e%2e/index.js',
  '/static/%2e%2e%2findex.js',
  '/static/%2E%2E%2F%2E%2E%2Fpackage.json',
  '/static/.%2e/index.js',
  '/static/%252e%252e%252findex.js',
  '/static/..%5cindex.js',
  '/static/..\\index.js',
  '/static//etc/passwd',
  '/static/%2fetc%2fpasswd',
  '/static/%2F..%2F..%2Fpackage.json',
  '/static/app.js/../../index.js',
  '/static/app.js%00.png',
  '/static/%00',
  '/static/..%00/index.js',
  '/static/....//index.js',
  '/static/%c0%ae%c0%ae/index.js'
]

/** What must never appear in an answer: the compiled plugin beside the root, the workspace manifest, /etc/passwd. */
const secrets = [/snippetsUi/, /"name":\s*"@kinds/, /root:x:0:0/]

interface Answer { status: number, body: string }

async function overSocket (socket: net.Socket | tls.TLSSocket, path: string): Promise<Answer> {
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)
  let data = ''
  socket.on('data', chunk => { data += chunk.toString('latin1') })
  await once(socket, 'close')
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)
  return { status, body: data.slice(data.indexOf('\r\n\r\n') + 4) }
}

const transports: Record<string, (port: number, path: string) => Promise<Answer>> = {
  async plain (port, path) {
    const socket = net.connect(port, '127.0.0.1')
    await once(socket, 'connect')
    return await overSocket(socket, path)
  },
  async tls (port, path) {
    const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
    await once(socket, 'secureConnect')
    return await overSocket(socket, path)
  },
  async h2 (port, path) {
    const session = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false })
    try {
      const stream = session.request({ ':path': path })
      const [headers] = await once(stream, 'response') as [http2.IncomingHttpHeaders]
      let body = ''
      stream.on('data', (chunk: Buffer) => { body += chunk.toString('latin1') })
      await once(stream, 'end')
      return { status: Number(headers[':status']), body }
    } finally {
      session.close()
    }
  }
}

test('the files the attempts aim at exist beside the static root, so a traversal would show', async t => {
  const distIndex = readFileSync(fileURLToPath(new URL('../dist/index.js', import.meta.url)), 'utf8')
  t.match(distIndex, secrets[0]!, 'dist/index.js, one level above dist/client, holds the marker')
  t.match(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8'), secrets[1]!, 'so does the package.json two levels up')
})

for (const [name, fetch] of Object.entries(transports)) {
  test(`refuses path traversal on /static/ over ${name === 'h2' ? 'HTTP/2' : name === 'tls' ? 'TLS' : 'plain HTTP'}: 400 or 404, never a file outside the root`, async t => {
    const { webmgmt } = await build(t)
    const port = Number(new URL(webmgmt).port)
    for (const path of attempts) {
      const { status, body } = await fetch(port, path)
      t.ok(status === 400 || status === 403 || status === 404, `${path}: ${status}`)
      t.notOk(secrets.some(s => s.test(body)), `${path}: nothing from outside the root`)
    }
    const app = await fetch(port, '/static/app.js')
    t.equal(app.status, 200, 'the real asset is still served')
  })
}
