import { X509Certificate } from 'node:crypto'
import { renameSync, writeFileSync } from 'node:fs'
import http2 from 'node:http2'
import https from 'node:https'
import { join } from 'node:path'
import tls from 'node:tls'
import { test } from 'tap'
import { makeChain, makeLeaf } from './support/cert-chain.ts'
import { build, ephemeralCa, serve, settles, tempDir } from './support/sockets.ts'

const chain = await makeChain()
const leafFingerprint = new X509Certificate(chain.leaf.cert).fingerprint256

function get (port: number, ca: string): Promise<{ status: number, body: string, fingerprint256: string }> {
  return new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: '/', servername: 'localhost', ca, agent: false }, res => {
      const { fingerprint256 } = (res.socket as tls.TLSSocket).getPeerCertificate()
      let body = ''
      res.setEncoding('utf8')
      res.on('data', chunk => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint256 }))
    }).on('error', reject)
  })
}

async function h2Status (port: number, ca: string): Promise<unknown> {
  const session = http2.connect(`https://localhost:${port}`, { ca, host: '127.0.0.1' })
  try {
    const stream = session.request({ ':path': '/' })
    const headers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
      stream.once('response', resolve)
      stream.once('error', reject)
      session.once('error', reject)
    })
    stream.resume()
    return headers[':status']
  } finally {
    session.close()
  }
}

test('serves cert and key files holding a chain to a client that trusts only the root', async t => {
  const dir = tempDir(t)
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  writeFileSync(cert, chain.leaf.cert + chain.intermediate.cert)
  writeFileSync(key, chain.leaf.key, { mode: 0o600 })
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints: { '/': ['text/plain', 'from the chain'] }, cert, key })

  const reply = await get(port, chain.root.cert)
  t.equal(reply.status, 200)
  t.equal(reply.body, 'from the chain')
  t.equal(reply.fingerprint256, leafFingerprint, 'the leaf of the files is served')
  t.equal(await h2Status(port, chain.root.cert), 200, 'an HTTP/2 client trusting the root is served too')
  await t.rejects(get(port, await ephemeralCa()), 'a client trusting only the ephemeral certificate refuses it')
})

test('cert and key of one kind leave the other kinds on the ephemeral certificate', async t => {
  const dir = tempDir(t)
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  writeFileSync(cert, chain.leaf.cert + chain.intermediate.cert)
  writeFileSync(key, chain.leaf.key, { mode: 0o600 })
  const { app } = await build(t)
  const mine = await serve(app, 'mine', { endpoints: { '/': ['text/plain', 'mine'] }, cert, key, tls: true })
  const other = await serve(app, 'other', { endpoints: { '/': ['text/plain', 'other'] }, tls: true })
  t.equal((await get(mine, chain.root.cert)).body, 'mine')
  t.equal((await get(other, await ephemeralCa())).body, 'other')
  await t.rejects(get(other, chain.root.cert), 'the other kind does not serve the files')
})

test('reloads cert and key without a restart when the files change', async t => {
  const dir = tempDir(t)
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  writeFileSync(cert, chain.leaf.cert + chain.intermediate.cert)
  writeFileSync(key, chain.leaf.key, { mode: 0o600 })
  const { app, logs } = await build(t)
  const port = await serve(app, 'svc', { endpoints: { '/': ['text/plain', 'reloaded'] }, cert, key, tls: true })
  t.equal((await get(port, chain.root.cert)).fingerprint256, leafFingerprint)

  const next = await makeLeaf(chain.intermediate)
  // Written beside and renamed, key first, as a certificate tool does.
  writeFileSync(key + '.new', next.key, { mode: 0o600 })
  renameSync(key + '.new', key)
  writeFileSync(cert + '.new', next.cert + chain.intermediate.cert)
  renameSync(cert + '.new', cert)
  await settles((async () => {
    while (!logs.some(line => line.msg === 'certificate reloaded' && line.kind === 'svc')) await new Promise(resolve => setTimeout(resolve, 50))
  })(), 'the reload', 10_000)

  const reply = await get(port, chain.root.cert)
  t.equal(reply.fingerprint256, new X509Certificate(next.cert).fingerprint256, 'the new leaf is served on the same listener')
  t.equal(reply.body, 'reloaded')
  t.equal(app.net.list().length, 1, 'no listener was re-bound')
})
