import https from 'node:https'
import tls from 'node:tls'
import { test } from 'tap'
import { getEphemeralCertificate } from '../src/index.ts'
import { build, serve } from './support/sockets.ts'

/** An HTTPS GET trusting `ca` (or the system's roots); resolves to the status and the served certificate's fingerprint. */
function get (port: number, ca: string | undefined, servername: string, host = '127.0.0.1'): Promise<{ status: number, body: string, fingerprint256: string }> {
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = { host, port, path: '/', agent: false, servername }
    if (ca !== undefined) options.ca = ca
    https.get(options, res => {
      const { fingerprint256 } = (res.socket as tls.TLSSocket).getPeerCertificate()
      let body = ''
      res.setEncoding('utf8')
      res.on('data', chunk => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint256 }))
    }).on('error', reject)
  })
}

test('serves the ephemeral certificate, trusted by a client given that certificate', async t => {
  const { app, logs } = await build(t)
  const port = await serve(app, 'svc', { endpoints: { '/': ['text/plain', 'secret'] }, tls: true })
  const [v6] = await app.net.listen('::1', 0, { kind: 'svc' })
  const certificate = await getEphemeralCertificate()

  const byIp = await get(port, certificate.cert, '')
  t.equal(byIp.status, 200)
  t.equal(byIp.body, 'secret')
  t.equal(byIp.fingerprint256, certificate.fingerprint256, 'the certificate served is the ephemeral one')
  t.equal((await get(port, certificate.cert, 'localhost')).status, 200, 'valid for localhost')
  t.equal((await get(v6?.port ?? 0, certificate.cert, '', '::1')).status, 200, 'valid for ::1')

  await t.rejects(get(port, undefined, 'localhost'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, 'a client that does not trust it refuses it')
  await t.rejects(get(port, certificate.cert, 'example.com'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 'it is not valid for other names')
  t.ok(logs.some(line => line.fingerprint256 === certificate.fingerprint256), 'its SHA-256 fingerprint is logged')
})

test('every kind serves the same ephemeral certificate', async t => {
  const { app } = await build(t)
  const a = await serve(app, 'a', { endpoints: { '/': ['text/plain', 'a'] }, tls: true })
  const b = await serve(app, 'b', { endpoints: { '/': ['text/plain', 'b'] } })
  const certificate = await getEphemeralCertificate()
  t.equal((await get(a, certificate.cert, '')).fingerprint256, certificate.fingerprint256)
  t.equal((await get(b, certificate.cert, '')).fingerprint256, certificate.fingerprint256)
})
