import tls from 'node:tls'
import { test } from 'tap'
import { build, ephemeralCa, serve, settles } from './support/sockets.ts'

const endpoints = { '/hello': ['text/plain', () => 'hello'] } as const

interface Outcome { ok: boolean, protocol?: string | null, cipher?: string, alpn?: string | false | null, error?: string }

/** A TLS handshake with the client's own limits; what was negotiated, or why it failed. */
function handshake (port: number, ca: string, options: tls.ConnectionOptions): Promise<Outcome> {
  return settles(new Promise<Outcome>(resolve => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost', ALPNProtocols: ['h2', 'http/1.1'], ...options }, () => {
      resolve({ ok: true, protocol: socket.getProtocol(), cipher: socket.getCipher().standardName, alpn: socket.alpnProtocol })
      socket.destroy()
    })
    socket.once('error', err => resolve({ ok: false, error: (err as NodeJS.ErrnoException).code ?? err.message }))
  }), 'the handshake')
}

for (const tlsMode of [true, undefined]) {
  test(`h2 only over ciphers RFC 7540 allows, TLS 1.2 the lowest version (tls: ${String(tlsMode)})`, async t => {
    const { app } = await build(t)
    const conf = { endpoints, ...(tlsMode === undefined ? {} : { tls: tlsMode }) }
    const port = await serve(app, 'svc', conf)
    const ca = await ephemeralCa()

    const check = async (when: string): Promise<void> => {
      const cbc = await handshake(port, ca, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA' })
      t.equal(cbc.ok, false, `${when}: TLS 1.2 with ECDHE-ECDSA-AES128-SHA (not AEAD) gets no connection, so no h2 (${cbc.error})`)
      const sha256 = await handshake(port, ca, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256' })
      t.equal(sha256.ok, false, `${when}: nor ECDHE-ECDSA-AES128-SHA256 (CBC)`)
      const old = await handshake(port, ca, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' })
      t.equal(old.ok, false, `${when}: TLS 1.1 is refused (${old.error})`)
      const gcm = await handshake(port, ca, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })
      t.same([gcm.ok, gcm.protocol, gcm.alpn], [true, 'TLSv1.2', 'h2'], `${when}: TLS 1.2 with ECDHE and AES-GCM gets h2`)
      const chacha = await handshake(port, ca, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' })
      t.same([chacha.ok, chacha.alpn], [true, 'h2'], `${when}: and with ChaCha20-Poly1305`)
      const v13 = await handshake(port, ca, {})
      t.same([v13.ok, v13.protocol, v13.alpn], [true, 'TLSv1.3', 'h2'], `${when}: TLS 1.3 gets h2`)
    }
    await check('at first')
    // A config change re-applies the certificate with setSecureContext, which forgets what it is not given.
    await app.http.config({ ...conf, bodyLimit: 1000 }, 'svc')
    await check('after the kind is changed')
  })
}
