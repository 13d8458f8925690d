import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import { execFile } from 'node:child_process'
import { X509Certificate, createPrivateKey } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import { test, type Test } from 'tap'
import {
  createEphemeralCertificateStore,
  getEphemeralCertificate,
  onRenew,
  type EphemeralCertificate,
  type TlsLogger
} from '../src/certificates.ts'

const DAY = 24 * 60 * 60 * 1000

function tempDir (t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'kinds-ephemeral-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function recordingLog (): TlsLogger & { lines: Array<{ level: string, obj: Record<string, unknown>, msg?: string }> } {
  const lines: Array<{ level: string, obj: Record<string, unknown>, msg?: string }> = []
  return {
    lines,
    info (obj, msg) { lines.push({ level: 'info', obj: obj as Record<string, unknown>, msg }) },
    error (obj, msg) { lines.push({ level: 'error', obj: obj as Record<string, unknown>, msg }) }
  }
}

async function listen (t: Test, server: tls.Server): Promise<number> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => new Promise<void>(resolve => server.close(() => resolve())))
  return (server.address() as AddressInfo).port
}

/** An HTTPS GET to 127.0.0.1 that names `servername` for SNI and the identity check. */
function get (port: number, ca: string, servername?: string): Promise<{ status: number, fingerprint256: string }> {
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = { host: '127.0.0.1', port, ca, agent: false }
    if (servername !== undefined) options.servername = servername
    https.get(options, res => {
      const { fingerprint256 } = (res.socket as tls.TLSSocket).getPeerCertificate()
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, fingerprint256 }))
    }).on('error', reject)
  })
}

function serve (certificate: Pick<EphemeralCertificate, 'cert' | 'key'>): https.Server {
  return https.createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => res.end('ok'))
}

test('makes an EC P-256 certificate for the host name, localhost, 127.0.0.1 and ::1, valid 90 days', async t => {
  const before = Date.now()
  const certificate = await getEphemeralCertificate()
  const parsed = new X509Certificate(certificate.cert)

  t.equal(parsed.publicKey.asymmetricKeyType, 'ec')
  t.equal(parsed.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1')
  t.ok(parsed.checkPrivateKey(createPrivateKey(certificate.key)), 'the key is the certificate\'s')
  t.equal(parsed.issuer, parsed.subject, 'self-signed')
  t.ok(parsed.verify(parsed.publicKey), 'signed by its own key')

  const host = hostname().toLowerCase()
  t.equal(parsed.subject, `CN=${host}`)
  const san = (parsed.subjectAltName ?? '').split(', ')
  t.same(new Set(san), new Set([`DNS:${host}`, 'DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1']))
  t.same(new Set(certificate.altNames), new Set([host, 'localhost', '127.0.0.1', '::1']))

  t.equal(certificate.fingerprint256, parsed.fingerprint256)
  t.match(certificate.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
  t.equal(certificate.notAfter.getTime(), Date.parse(parsed.validTo), 'notAfter is the certificate\'s')
  const lifetime = certificate.notAfter.getTime() - before
  t.ok(lifetime > 90 * DAY - 60_000 && lifetime <= 90 * DAY, `valid 90 days from now (${lifetime} ms)`)
  t.ok(certificate.notBefore.getTime() <= before, 'already valid')
  t.equal(certificate.certFile, undefined)
  t.equal(certificate.keyFile, undefined)
})

test('has the extensions of a TLS server certificate', async t => {
  const certificate = new x509.X509Certificate((await getEphemeralCertificate()).cert)

  const basic = certificate.getExtension(x509.BasicConstraintsExtension)
  t.equal(basic?.ca, false, 'basicConstraints CA:FALSE')
  t.equal(basic?.critical, true)
  const usage = certificate.getExtension(x509.KeyUsagesExtension)
  t.equal(usage?.usages, x509.KeyUsageFlags.digitalSignature, 'keyUsage digitalSignature only')
  t.equal(usage?.critical, true)
  const extended = certificate.getExtension(x509.ExtendedKeyUsageExtension)
  t.same(extended?.usages, [x509.ExtendedKeyUsage.serverAuth], 'extKeyUsage serverAuth')
  const san = certificate.getExtension(x509.SubjectAlternativeNameExtension)
  t.same(san?.names.toJSON().map(name => name.type), ['dns', 'dns', 'ip', 'ip'])
  t.ok(certificate.getExtension(x509.SubjectKeyIdentifierExtension), 'subjectKeyIdentifier')
  t.match(certificate.signatureAlgorithm, { name: 'ECDSA', hash: { name: 'SHA-256' } })
})

test('is made once per process: every call gets the same certificate', async t => {
  const [first, second] = await Promise.all([getEphemeralCertificate(), getEphemeralCertificate()])
  const third = await getEphemeralCertificate({ dir: tempDir(t) })
  t.equal(second?.fingerprint256, first?.fingerprint256)
  t.equal(third.fingerprint256, first?.fingerprint256)
  t.equal(third.key, first?.key)
})

test('a new store makes a new certificate and logs its fingerprint at info level through Fastify\'s logger', async t => {
  const lines: Array<{ level: number, msg: string, fingerprint256?: string }> = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => lines.push(JSON.parse(line)) } } })
  t.teardown(() => app.close())
  const store = createEphemeralCertificateStore({ log: app.log })
  t.teardown(() => store.stop())
  const started = performance.now()
  const certificate = await store.get()
  t.comment(`made an ephemeral certificate in ${(performance.now() - started).toFixed(1)} ms`)
  t.not(certificate.fingerprint256, (await getEphemeralCertificate()).fingerprint256)
  t.equal(lines.length, 1)
  t.match(lines[0], { level: 30, msg: 'ephemeral TLS certificate made', fingerprint256: certificate.fingerprint256 })
  await store.get()
  t.equal(lines.length, 1, 'logged when made, not on every call')
})

test('writes the key file with mode 0600 and the certificate next to it', async t => {
  const dir = join(tempDir(t), 'nested')
  const certificate = await getEphemeralCertificate({ dir })
  t.equal(certificate.keyFile, join(dir, 'ephemeral-key.pem'))
  t.equal(certificate.certFile, join(dir, 'ephemeral-cert.pem'))
  t.equal(statSync(certificate.keyFile as string).mode & 0o777, 0o600)
  t.equal(readFileSync(certificate.keyFile as string, 'utf8'), certificate.key)
  t.equal(readFileSync(certificate.certFile as string, 'utf8'), certificate.cert)
})

test('names the path when the directory cannot be written', async t => {
  const file = join(tempDir(t), 'a-file')
  writeFileSync(file, '')
  const store = createEphemeralCertificateStore()
  await t.rejects(store.get({ dir: join(file, 'sub') }), {
    code: 'KINDS_ERR_TLS_EPHEMERAL_WRITE',
    message: new RegExp(`dir: cannot write ${join(file, 'sub')}`)
  })
})

test('a client that trusts the certificate connects to localhost and 127.0.0.1', async t => {
  const certificate = await getEphemeralCertificate()
  const port = await listen(t, serve(certificate))

  const byName = await get(port, certificate.cert, 'localhost')
  t.equal(byName.status, 200)
  t.equal(byName.fingerprint256, certificate.fingerprint256)
  const byAddress = await get(port, certificate.cert)
  t.equal(byAddress.status, 200)
  await t.rejects(get(port, certificate.cert, 'example.com'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' })
  const stranger = await createEphemeralCertificateStore().get()
  await t.rejects(get(port, stranger.cert, 'localhost'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, 'a client trusting another certificate refuses')
})

test('is renewed before expiry and setSecureContext serves the new one without a restart', async t => {
  const log = recordingLog()
  const dir = tempDir(t)
  // Valid a minute, renewed 59 s before expiry: the renewal comes about a second after it is made.
  const store = createEphemeralCertificateStore({ validityMs: 60_000, renewBeforeMs: 59_000, log })
  t.teardown(() => store.stop())
  const first = await store.get({ dir })
  const server = serve(first)
  const port = await listen(t, server)
  t.equal((await get(port, first.cert, 'localhost')).fingerprint256, first.fingerprint256)

  const renewed = new Promise<EphemeralCertificate>(resolve => {
    const unsubscribe = store.onRenew(certificate => {
      unsubscribe()
      server.setSecureContext({ cert: certificate.cert, key: certificate.key })
      resolve(certificate)
    })
  })
  const second = await renewed
  t.not(second.fingerprint256, first.fingerprint256, 'a new certificate')
  t.not(second.key, first.key, 'with a new key')
  t.ok(second.notAfter > first.notAfter)

  const served = await get(port, second.cert, 'localhost')
  t.equal(served.fingerprint256, second.fingerprint256, 'the same listener serves the new certificate')
  await t.rejects(get(port, first.cert, 'localhost'), 'the old certificate is no longer served')

  t.equal(readFileSync(join(dir, 'ephemeral-cert.pem'), 'utf8'), second.cert, 'the file is rewritten')
  t.equal(readFileSync(join(dir, 'ephemeral-key.pem'), 'utf8'), second.key)
  t.equal(statSync(join(dir, 'ephemeral-key.pem')).mode & 0o777, 0o600)
  t.equal((await store.get()).fingerprint256, second.fingerprint256, 'get() gives the renewed one')
  t.same(log.lines.map(line => line.msg), ['ephemeral TLS certificate made', 'ephemeral TLS certificate renewed'])
})

test('refuses a renewal margin that is not shorter than the validity', async t => {
  t.throws(() => createEphemeralCertificateStore({ validityMs: 1000, renewBeforeMs: 1000 }), {
    code: 'KINDS_ERR_TLS_EPHEMERAL_OPTION',
    message: /renewBeforeMs/
  })
  t.throws(() => createEphemeralCertificateStore({ validityMs: 0 }), {
    code: 'KINDS_ERR_TLS_EPHEMERAL_OPTION',
    message: /validityMs/
  })
})

test('a listener subscribed to renewals does not keep the process alive', async t => {
  const module = fileURLToPath(new URL('../src/certificates.ts', import.meta.url))
  const script = `
    import { getEphemeralCertificate, onRenew } from ${JSON.stringify(module)}
    onRenew(() => {})
    const { fingerprint256 } = await getEphemeralCertificate({ dir: ${JSON.stringify(tempDir(t))} })
    console.log(fingerprint256)
  `
  const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 30_000 }, (err, stdout) => {
      if (err) reject(err)
      else resolve({ stdout })
    })
  })
  t.match(stdout, /^([0-9A-F]{2}:){31}[0-9A-F]{2}\n$/, 'the process made a certificate and exited by itself')
  const unsubscribe = onRenew(() => {})
  t.type(unsubscribe, 'function', 'onRenew gives an unsubscriber')
  unsubscribe()
})
