import { execFile } from 'node:child_process'
import { KeyObject, X509Certificate } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { fileURLToPath } from 'node:url'
import { test, type Test } from 'tap'
import { loadCertificateFiles, watchCertificateFiles, type CertificatePair } from '../src/cert-files.ts'
import type { TlsLogger } from '../src/certificates.ts'
import { DAY, makeChain, makeLeaf, type Issued, type Validity } from './support/cert-chain.ts'

const { root, intermediate, leaf } = await makeChain()
const newLeaf = (validity?: Validity): Promise<Issued> => makeLeaf(intermediate, validity)
const fingerprintOf = (pem: string): string => new X509Certificate(pem).fingerprint256

function tempDir (t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'kinds-cert-files-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Writes `cert` and `key` into `dir`, atomically, and gives their paths. */
function writePair (dir: string, cert: string, key: string): { cert: string, key: string } {
  const files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') }
  writeFileSync(files.key + '.new', key)
  renameSync(files.key + '.new', files.key)
  writeFileSync(files.cert + '.new', cert)
  renameSync(files.cert + '.new', files.cert)
  return files
}

async function serve (t: Test, pair: Pick<CertificatePair, 'cert' | 'key'>): Promise<{ server: tls.Server, port: number }> {
  const server = tls.createServer({ cert: pair.cert, key: pair.key }, socket => socket.end('hello'))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => new Promise<void>(resolve => server.close(() => resolve())))
  return { server, port: (server.address() as AddressInfo).port }
}

/** Connects trusting only `ca`, as `localhost`, and gives the leaf's fingerprint. */
function connect (port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca }, () => {
      const { fingerprint256 } = socket.getPeerCertificate()
      socket.end()
      resolve(fingerprint256)
    })
    socket.on('error', reject)
  })
}

function recordingLog (): TlsLogger & { errors: Array<Record<string, unknown>>, onError?: () => void } {
  const log: TlsLogger & { errors: Array<Record<string, unknown>>, onError?: () => void } = {
    errors: [],
    info () {},
    error (obj) {
      log.errors.push(obj as Record<string, unknown>)
      log.onError?.()
    }
  }
  return log
}

test('serves a cert file holding the leaf then the intermediate to a client that trusts only the root', async t => {
  const files = writePair(tempDir(t), leaf.cert + intermediate.cert, leaf.key)
  const pair = loadCertificateFiles(files)
  t.equal(pair.chainLength, 2)
  t.equal(pair.certFile, files.cert)
  t.equal(pair.keyFile, files.key)
  t.equal(pair.fingerprint256, fingerprintOf(leaf.cert))
  t.equal(pair.notAfter.getTime(), leaf.certificate.notAfter.getTime())
  tls.createSecureContext({ cert: pair.cert, key: pair.key })

  const { port } = await serve(t, pair)
  t.equal(await connect(port, root.cert), fingerprintOf(leaf.cert), 'verified against the root alone')
})

test('a cert file without the intermediate does not verify against the root alone', async t => {
  const pair = loadCertificateFiles(writePair(tempDir(t), leaf.cert, leaf.key))
  t.equal(pair.chainLength, 1)
  const { port } = await serve(t, pair)
  await t.rejects(connect(port, root.cert), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })
})

test('takes cert and key from one file holding both', async t => {
  const dir = tempDir(t)
  const both = join(dir, 'both.pem')
  writeFileSync(both, leaf.key + leaf.cert + intermediate.cert)
  const pair = loadCertificateFiles({ cert: both, key: both })
  t.equal(pair.chainLength, 2)
  t.equal(pair.fingerprint256, fingerprintOf(leaf.cert))
})

test('refuses bad files with a coded error that names the field and the path', async t => {
  const dir = tempDir(t)
  const other = await newLeaf()
  const expired = await newLeaf({ from: -30 * DAY, to: -DAY })
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text)
    return join(dir, name)
  }
  const chain = write('chain.pem', leaf.cert + intermediate.cert)
  const key = write('key.pem', leaf.key)
  const missing = join(dir, 'missing.pem')
  const garbled = leaf.cert.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!!!!!!!!!!!!!!!!!')
  const encrypted = KeyObject.from(leaf.keys.privateKey).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString()

  const cases: Array<{ name: string, cert: string, key: string, code: string, field: 'cert' | 'key' }> = [
    { name: 'unreadable cert', cert: missing, key, code: 'KINDS_ERR_TLS_UNREADABLE', field: 'cert' },
    { name: 'unreadable key', cert: chain, key: missing, code: 'KINDS_ERR_TLS_UNREADABLE', field: 'key' },
    { name: 'a directory as cert', cert: dir, key, code: 'KINDS_ERR_TLS_UNREADABLE', field: 'cert' },
    { name: 'cert not PEM', cert: write('cert.der', 'not a certificate at all\n'), key, code: 'KINDS_ERR_TLS_NOT_PEM', field: 'cert' },
    { name: 'key not PEM', cert: chain, key: write('key.txt', 'hunter2\n'), code: 'KINDS_ERR_TLS_NOT_PEM', field: 'key' },
    { name: 'cert PEM that does not parse', cert: write('garbled.pem', garbled), key, code: 'KINDS_ERR_TLS_NOT_PEM', field: 'cert' },
    { name: 'key PEM that does not parse', cert: chain, key: write('bad-key.pem', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'), code: 'KINDS_ERR_TLS_NOT_PEM', field: 'key' },
    { name: 'encrypted key', cert: chain, key: write('encrypted.pem', encrypted), code: 'KINDS_ERR_TLS_NOT_PEM', field: 'key' },
    { name: 'no certificate in cert', cert: write('only-key.pem', leaf.key), key, code: 'KINDS_ERR_TLS_NO_CERTIFICATE', field: 'cert' },
    { name: 'no key in key', cert: chain, key: write('only-cert.pem', leaf.cert), code: 'KINDS_ERR_TLS_NO_KEY', field: 'key' },
    { name: 'key of another certificate', cert: chain, key: write('other-key.pem', other.key), code: 'KINDS_ERR_TLS_KEY_MISMATCH', field: 'key' },
    { name: 'intermediate before the leaf', cert: write('reversed.pem', intermediate.cert + leaf.cert), key, code: 'KINDS_ERR_TLS_KEY_MISMATCH', field: 'key' },
    { name: 'expired leaf', cert: write('expired.pem', expired.cert + intermediate.cert), key: write('expired-key.pem', expired.key), code: 'KINDS_ERR_TLS_EXPIRED', field: 'cert' },
    { name: 'cert without key', cert: chain, key: '', code: 'KINDS_ERR_TLS_MISSING', field: 'key' },
    { name: 'key without cert', cert: '', key, code: 'KINDS_ERR_TLS_MISSING', field: 'cert' }
  ]
  for (const bad of cases) {
    t.test(bad.name, async t => {
      const path = bad[bad.field]
      t.throws(() => loadCertificateFiles({ cert: bad.cert, key: bad.key }), {
        code: bad.code,
        message: new RegExp(`^Option ${bad.field}: .*${path === '' ? '' : path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)
      })
    })
  }
})

test('reloads the pair when the files change on disk', async t => {
  const dir = tempDir(t)
  const files = writePair(dir, leaf.cert + intermediate.cert, leaf.key)
  const { server, port } = await serve(t, loadCertificateFiles(files))
  t.equal(await connect(port, root.cert), fingerprintOf(leaf.cert))

  const next = await newLeaf()
  const reloaded = new Promise<CertificatePair>(resolve => {
    const watcher = watchCertificateFiles(files, pair => {
      server.setSecureContext({ cert: pair.cert, key: pair.key })
      resolve(pair)
    }, { intervalMs: 20, debounceMs: 60 })
    t.teardown(() => watcher.close())
  })
  writePair(dir, next.cert + intermediate.cert, next.key)
  const pair = await reloaded
  t.equal(pair.fingerprint256, fingerprintOf(next.cert))
  t.equal(await connect(port, root.cert), fingerprintOf(next.cert), 'the client sees the new certificate')
})

test('keeps the old pair and logs an error when the changed files do not match', async t => {
  const dir = tempDir(t)
  const files = writePair(dir, leaf.cert + intermediate.cert, leaf.key)
  // The listener also keeps this process alive while waiting: the watcher does not.
  const { server, port } = await serve(t, loadCertificateFiles(files))
  const log = recordingLog()
  const reloads: CertificatePair[] = []
  let reloaded = (): void => {}
  const watcher = watchCertificateFiles(files, pair => {
    reloads.push(pair)
    server.setSecureContext({ cert: pair.cert, key: pair.key })
    reloaded()
  }, { intervalMs: 20, debounceMs: 60, log })
  t.teardown(() => watcher.close())

  const other = await newLeaf()
  const logged = new Promise<void>(resolve => { log.onError = resolve })
  writeFileSync(files.key, other.key)
  await logged
  t.equal(reloads.length, 0, 'no reload with a key that does not match')
  t.match(log.errors[0], { err: { code: 'KINDS_ERR_TLS_KEY_MISMATCH' }, certFile: files.cert, keyFile: files.key })
  t.equal(await connect(port, root.cert), fingerprintOf(leaf.cert), 'the old pair is still served')

  const fixed = new Promise<void>(resolve => { reloaded = resolve })
  writeFileSync(files.cert, other.cert + intermediate.cert)
  await fixed
  t.equal(reloads.length, 1)
  t.equal(reloads[0]?.fingerprint256, fingerprintOf(other.cert), 'still watching: the matching pair is taken')
  t.equal(await connect(port, root.cert), fingerprintOf(other.cert))
})

test('a watcher does not keep the process alive', async t => {
  const files = writePair(tempDir(t), leaf.cert + intermediate.cert, leaf.key)
  const module = fileURLToPath(new URL('../src/cert-files.ts', import.meta.url))
  const script = `
    import { watchCertificateFiles } from ${JSON.stringify(module)}
    watchCertificateFiles(${JSON.stringify(files)}, () => {})
    console.log('watching')
  `
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 30_000 }, (err, stdout) => {
      if (err) reject(err)
      else resolve(stdout)
    })
  })
  t.equal(stdout, 'watching\n', 'the process exited by itself')
})
