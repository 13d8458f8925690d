import { execFile } from 'node:child_process'
import http2 from 'node:http2'
import https from 'node:https'
import tls from 'node:tls'
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { getEphemeralCertificate } from '../src/index.ts'
import { build, ephemeralCa, serve, tempDir } from './support/sockets.ts'

/** Tells the client which HTTP version the kind's instance saw. */
async function versionHeader (instance: FastifyInstance): Promise<void> {
  instance.addHook('onSend', async (request, reply) => {
    reply.header('x-http-version', request.raw.httpVersion)
  })
}

const endpoints = { '/hello': ['text/plain', () => 'hello'] } as const

async function h2Get (port: number, ca: string): Promise<{ alpn: string | undefined, status: unknown, version: unknown, body: string }> {
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca })
  try {
    await new Promise<void>((resolve, reject) => {
      session.once('connect', () => resolve())
      session.once('error', reject)
    })
    const alpn = (session.socket as tls.TLSSocket).alpnProtocol || undefined
    const stream = session.request({ ':path': '/hello' })
    const headers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
      stream.once('response', resolve)
      stream.once('error', reject)
    })
    let body = ''
    stream.setEncoding('utf8')
    for await (const chunk of stream) body += chunk as string
    return { alpn, status: headers[':status'], version: headers['x-http-version'], body }
  } finally {
    session.close()
  }
}

function h1Get (port: number, ca: string): Promise<{ alpn: string | false | null, status: number, version: unknown, body: string }> {
  const options: https.RequestOptions & tls.ConnectionOptions = { host: '127.0.0.1', port, path: '/hello', ca, agent: false, ALPNProtocols: ['http/1.1'] }
  return new Promise((resolve, reject) => {
    https.get(options, res => {
      const alpn = (res.socket as tls.TLSSocket).alpnProtocol
      let body = ''
      res.setEncoding('utf8')
      res.on('data', chunk => { body += chunk })
      res.on('end', () => resolve({ alpn, status: res.statusCode ?? 0, version: res.headers['x-http-version'], body }))
    }).on('error', reject)
  })
}

for (const tlsMode of [true, undefined]) {
  test(`offers h2 and http/1.1 over ALPN on the same TLS port (tls: ${String(tlsMode)})`, async t => {
    const { app } = await build(t)
    const port = await serve(app, 'svc', { endpoints, setup: versionHeader, ...(tlsMode === undefined ? {} : { tls: tlsMode }) })
    const ca = await ephemeralCa()

    const h2 = await h2Get(port, ca)
    t.same(h2, { alpn: 'h2', status: 200, version: '2.0', body: 'hello' }, 'an HTTP/2 client gets HTTP/2')
    const h1 = await h1Get(port, ca)
    t.same(h1, { alpn: 'http/1.1', status: 200, version: '1.1', body: 'hello' }, 'an HTTP/1.1 client gets HTTP/1.1')
  })
}

test('curl --http2 gets HTTP/2 from a TLS port with the ephemeral certificate', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints })
  const { certFile } = await getEphemeralCertificate({ dir: tempDir(t) })
  const out = await new Promise<string>((resolve, reject) => {
    execFile('curl', ['--silent', '--show-error', '--http2', '--cacert', certFile ?? '', '--write-out', ' %{http_version} %{http_code}', `https://localhost:${port}/hello`], { timeout: 10_000 }, (err, stdout) => {
      if (err) reject(err)
      else resolve(stdout)
    })
  })
  t.equal(out, 'hello 2 200')
})
