import tls from 'node:tls'
import { test } from 'tap'
import { agent, build, ephemeralCa, fetchText, rawExchange, serve } from './support/sockets.ts'

const hello = { '/': ['text/plain', () => 'hello'] } as const
const plainRequest = 'GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n'

/** Completes a TLS handshake trusting `ca`; resolves to the ALPN protocol, rejects with the handshake error. */
function handshake (port: number, ca: string): Promise<string | false> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, ALPNProtocols: ['http/1.1'] }, () => {
      const protocol = socket.alpnProtocol ?? false
      socket.destroy()
      resolve(protocol)
    })
    socket.once('error', reject)
    socket.once('close', () => reject(new Error('closed before the handshake')))
  })
}

test('tls: false serves plain HTTP only: a TLS client fails', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints: hello, tls: false })
  const ca = await ephemeralCa()
  const reply = await fetchText(`http://127.0.0.1:${port}/`, agent(t))
  t.equal(reply.status, 200)
  t.equal(reply.body, 'hello')
  await t.rejects(handshake(port, ca), 'no TLS handshake')
  await t.rejects(fetchText(`https://127.0.0.1:${port}/`, agent(t, ca)), 'an HTTPS request fails')
  t.equal((await fetchText(`http://127.0.0.1:${port}/`, agent(t))).status, 200, 'and plain HTTP still serves after it')
})

test('tls: true serves TLS only: a plain HTTP request gets nothing', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints: hello, tls: true })
  const ca = await ephemeralCa()
  const reply = await fetchText(`https://127.0.0.1:${port}/`, agent(t, ca))
  t.equal(reply.status, 200)
  t.equal(reply.body, 'hello')
  t.equal(await rawExchange(port, plainRequest), '', 'no bytes back, the connection is closed')
  await t.rejects(fetchText(`http://127.0.0.1:${port}/`, agent(t)), 'a plain request fails')
  t.equal((await fetchText(`https://127.0.0.1:${port}/`, agent(t, ca))).status, 200, 'and TLS still serves after it')
})

test('tls unset serves plain HTTP and TLS on the same port', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints: hello })
  const ca = await ephemeralCa()
  const plain = agent(t)
  const secure = agent(t, ca)
  for (let i = 0; i < 2; i++) {
    const overTls = await fetchText(`https://127.0.0.1:${port}/`, secure)
    t.equal(overTls.status, 200, 'over TLS')
    t.equal(overTls.body, 'hello')
    const overPlain = await fetchText(`http://127.0.0.1:${port}/`, plain)
    t.equal(overPlain.status, 200, 'over plain HTTP')
    t.equal(overPlain.body, 'hello')
  }
  t.match(await rawExchange(port, plainRequest), /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhello$/, 'a raw plain request is answered')
  t.equal(await handshake(port, ca), 'http/1.1', 'a TLS handshake completes')
})
