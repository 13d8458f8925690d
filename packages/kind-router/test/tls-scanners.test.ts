// testssl.sh and sslscan against a TLS kind: nothing above "low". Locally they may be absent
// (skipped, saying so); in CI (CI=true) a missing tool fails the test.
import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t0, { test, type Test } from 'tap'
import { issue, makeChain, DAY } from './support/cert-chain.ts'
import { which } from './support/child.ts'
import { build, serve, tempDir } from './support/sockets.ts'

// testssl runs hundreds of handshakes, each through an openssl process.
t0.setTimeout(240_000)

const endpoints = { '/': ['text/plain', () => 'hello'] } as const

function missing (tool: string): string | false {
  return which(tool) === undefined && process.env.CI !== 'true' ? `${tool} is absent: apt-get install ${tool === 'testssl' ? 'testssl.sh' : tool}` : false
}

function run (command: string, args: string[]): Promise<{ code: number, stdout: string }> {
  return new Promise(resolve => {
    execFile(command, args, { timeout: 200_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout })
    })
  })
}

/** A TLS-only kind serving a CA-signed chain for 127.0.0.1, and the root the scanners trust. */
async function tlsKind (t: Pick<Test, 'teardown'>): Promise<{ port: number, caFile: string, dir: string }> {
  const dir = tempDir(t)
  const { root, intermediate } = await makeChain()
  const leaf = await issue('CN=localhost', intermediate, false, { from: -DAY, to: 90 * DAY })
  writeFileSync(join(dir, 'cert.pem'), leaf.cert + intermediate.cert)
  writeFileSync(join(dir, 'key.pem'), leaf.key)
  writeFileSync(join(dir, 'ca.pem'), root.cert)
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints, tls: true, cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') })
  return { port, caFile: join(dir, 'ca.pem'), dir }
}

test('sslscan finds only TLS 1.2 and 1.3, AEAD ciphers of 128 bits or more, no heartbleed, no insecure renegotiation, no compression', { skip: missing('sslscan') }, async t => {
  if (which('sslscan') === undefined) return t.fail('sslscan is not installed (CI lists it in .ci/run)')
  const { port } = await tlsKind(t)
  const { stdout } = await run('sslscan', ['--no-colour', '--xml=-', `127.0.0.1:${port}`])
  t.notMatch(stdout, /<error>/, 'sslscan reached the kind')
  const attrs = (tag: string): Array<Record<string, string>> => [...stdout.matchAll(new RegExp(`<${tag}\\s([^>]*?)/?>`, 'g'))]
    .map(m => Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map(a => [a[1]!, a[2]!])))
  const enabled = attrs('protocol').filter(p => p.enabled === '1').map(p => `${p.type} ${p.version}`)
  t.same(enabled.sort(), ['tls 1.2', 'tls 1.3'], 'protocols: TLS 1.2 and 1.3 only')
  const ciphers = attrs('cipher').filter(c => c.status === 'accepted' || c.status === 'preferred')
  t.ok(ciphers.length > 0, `${ciphers.length} ciphers seen`)
  for (const c of ciphers) {
    t.ok(/GCM|CHACHA20/.test(c.cipher ?? '') && Number(c.bits) >= 128, `${c.sslversion} ${c.cipher} (${c.bits} bits) is AEAD, 128 bits or more`)
    if (c.sslversion === 'TLSv1.2') t.match(c.cipher, /^ECDHE-/, `${c.cipher} has forward secrecy`)
  }
  t.notOk(attrs('heartbleed').some(h => h.vulnerable === '1'), 'not vulnerable to heartbleed')
  t.notOk(attrs('renegotiation').some(r => r.supported === '1' && r.secure !== '1'), 'no insecure renegotiation')
  t.notOk(attrs('compression').some(c => c.supported === '1'), 'no TLS compression')
})

test('testssl.sh finds nothing above "low" in protocols, cipher categories and forward secrecy', { skip: missing('testssl') }, async t => {
  if (which('testssl') === undefined) return t.fail('testssl is not installed (CI lists testssl.sh in .ci/run)')
  const { port, caFile, dir } = await tlsKind(t)
  const json = join(dir, 'testssl.json')
  // -p protocols, -s cipher categories, -f forward secrecy; -n none: no DNS lookups. The vulnerability
  // checks (-U) double the time: sslscan's heartbleed, renegotiation and compression checks stand in.
  await run('testssl', ['--quiet', '--color', '0', '--warnings', 'off', '-n', 'none', '--add-ca', caFile, '--jsonfile', json, '-p', '-s', '-f', `127.0.0.1:${port}`])
  const findings = JSON.parse(readFileSync(json, 'utf8')) as Array<{ id: string, severity: string, finding: string }>
  t.ok(findings.some(f => f.id === 'TLS1_3' && f.severity === 'OK'), 'testssl scanned the kind (TLS 1.3 offered)')
  const above = findings.filter(f => ['MEDIUM', 'HIGH', 'CRITICAL'].includes(f.severity))
  t.same(above.map(f => `${f.id} ${f.severity}: ${f.finding}`), [], 'no finding above "low"')
  t.notOk(findings.some(f => f.id === 'TLS1_1' && /offered/.test(f.finding) && !/not offered/.test(f.finding)), 'TLS 1.1 is not offered')
})
