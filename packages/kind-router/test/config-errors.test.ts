import { writeFileSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { test } from 'tap'
import type { KindConfig } from '../src/index.ts'
import { agent, build, fetchText, serve, tempDir } from './support/sockets.ts'

/** Escapes `text` for a RegExp. */
const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Matches a message that names the kind and the field, in any order. */
const names = (...words: string[]): RegExp => new RegExp(words.map(w => `(?=[\\s\\S]*${literal(w)})`).join(''))

test('refuses bad configuration at once with a coded error naming the kind and the field', async t => {
  const { app } = await build(t)
  const dir = tempDir(t)
  const garbage = join(dir, 'garbage.pem')
  writeFileSync(garbage, 'this is not a certificate\n')
  const missing = join(dir, 'missing.pem')
  const garbled = join(dir, 'garbled.pem')
  writeFileSync(garbled, '-----BEGIN CERTIFICATE-----\nAAAAnotDER\n-----END CERTIFICATE-----\n')

  const cases: Array<{ name: string, conf: unknown, code: string, words: string[] }> = [
    { name: 'cert without key', conf: { cert: garbage }, code: 'KINDS_ERR_KIND_CONFIG', words: ['"svc"', 'key'] },
    { name: 'key without cert', conf: { key: garbage }, code: 'KINDS_ERR_KIND_CONFIG', words: ['"svc"', 'cert'] },
    { name: 'an unreadable cert file', conf: { cert: missing, key: garbage }, code: 'KINDS_ERR_TLS_UNREADABLE', words: ['svc', 'cert', missing] },
    { name: 'a cert file that is not PEM', conf: { cert: garbage, key: garbage }, code: 'KINDS_ERR_TLS_NOT_PEM', words: ['svc', 'cert', garbage] },
    { name: 'a cert PEM block that does not parse', conf: { cert: garbled, key: garbage }, code: 'KINDS_ERR_TLS_NOT_PEM', words: ['svc', 'cert', garbled] },
    { name: 'a non-function handler', conf: { endpoints: { '/bad': ['text/plain', 42] } }, code: 'KINDS_ERR_KIND_CONFIG', words: ['"svc"', 'endpoints', '/bad'] },
    { name: 'a non-function WebSocket handler', conf: { endpoints: { '/ws': ['text/plain', 'x', 'nope'] } }, code: 'KINDS_ERR_KIND_CONFIG', words: ['"svc"', 'endpoints', '/ws'] },
    { name: 'a path not starting with /', conf: { endpoints: { health: ['text/plain', 'up'] } }, code: 'KINDS_ERR_KIND_CONFIG', words: ['"svc"', 'endpoints', 'health'] },
    { name: 'an unknown field', conf: { bodylimit: 10 }, code: 'KINDS_ERR_KIND_CONFIG', words: ['"svc"', 'bodylimit'] },
    { name: 'a negative bodyLimit', conf: { bodyLimit: -1 }, code: 'KINDS_ERR_KIND_CONFIG', words: ['"svc"', 'bodyLimit'] },
    { name: 'a fractional headersTimeout', conf: { headersTimeout: 1.5 }, code: 'KINDS_ERR_KIND_CONFIG', words: ['"svc"', 'headersTimeout'] },
    { name: 'maxConnections given as a string', conf: { maxConnections: '10' }, code: 'KINDS_ERR_KIND_CONFIG', words: ['"svc"', 'maxConnections'] },
    { name: 'a zero maxPayload', conf: { maxPayload: 0 }, code: 'KINDS_ERR_KIND_CONFIG', words: ['"svc"', 'maxPayload'] },
    { name: 'a negative closeGrace', conf: { closeGrace: -5 }, code: 'KINDS_ERR_KIND_CONFIG', words: ['"svc"', 'closeGrace'] },
    { name: 'tls that is not a boolean', conf: { tls: 'yes' }, code: 'KINDS_ERR_KIND_CONFIG', words: ['"svc"', 'tls'] },
    { name: 'a setup that is not a function', conf: { setup: 'hooks' }, code: 'KINDS_ERR_KIND_CONFIG', words: ['"svc"', 'setup'] },
    { name: 'a plugin that is not a function', conf: { plugins: [{}] }, code: 'KINDS_ERR_KIND_CONFIG', words: ['"svc"', 'plugins[0]'] },
    { name: 'a config that is not an object', conf: 'fast', code: 'KINDS_ERR_KIND_CONFIG', words: ['"svc"'] }
  ]
  for (const bad of cases) {
    t.test(bad.name, async t => {
      t.throws(() => app.http.config(bad.conf as KindConfig, 'svc'), { code: bad.code, message: names(...bad.words) })
      t.notOk('svc' in app.http.configs, 'the kind was not added')
    })
  }

  t.test('bad defaults for all kinds', async t => {
    t.throws(() => app.http.config({ idleTimeout: 0 }), { code: 'KINDS_ERR_KIND_CONFIG', message: /idleTimeout/ })
    t.throws(() => app.http.config(null), { code: 'KINDS_ERR_KIND_CONFIG' })
  })

  t.test('a kind name that is empty or starts with _', async t => {
    t.throws(() => app.http.config({}, ''), { code: 'KINDS_ERR_KIND_CONFIG', message: /kind/ })
    t.throws(() => app.http.config({}, '_builtin'), { code: 'KINDS_ERR_KIND_CONFIG', message: /"_builtin"/ })
  })
})

test('a refused configuration leaves the kind serving its previous table', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints: { '/': ['text/plain', 'still here'] }, bodyLimit: 1000 })
  t.throws(() => app.http.config({ endpoints: { '/': ['text/plain', () => 'new'], nope: ['text/plain', 'x'] } }, 'svc'), { code: 'KINDS_ERR_KIND_CONFIG' })
  t.throws(() => app.http.config({ bodyLimit: -1 }, 'svc'), { code: 'KINDS_ERR_KIND_CONFIG' })
  t.equal((await fetchText(`http://127.0.0.1:${port}/`, agent(t))).body, 'still here')
  t.equal(app.http.configs.svc?.bodyLimit, 1000)
})

test('refuses to remove a kind that does not exist or is built in, at once', async t => {
  const { app } = await build(t)
  t.throws(() => app.http.config(null, 'nope'), { code: 'KINDS_ERR_UNKNOWN_KIND', message: /"nope"/ })
  t.throws(() => app.http.config(null, 'webmgmt'), { code: 'KINDS_ERR_KIND_CONFIG', message: /"webmgmt"/ })
  t.ok('webmgmt' in app.http.configs._builtin, 'webmgmt is still there')
})

test('net.listen refuses an unknown kind and bad arguments at once', async t => {
  const { app } = await build(t)
  await app.http.config({ endpoints: {} }, 'svc')
  const listen = app.net.listen as (...args: unknown[]) => unknown
  t.throws(() => app.net.listen('127.0.0.1', 0, { kind: 'nope' }), { code: 'KINDS_ERR_UNKNOWN_KIND', message: /"nope"/ })
  t.throws(() => app.net.listen('/tmp/kinds-nope.sock', { kind: 'nope' }), { code: 'KINDS_ERR_UNKNOWN_KIND', message: /"nope"/ })
  t.throws(() => listen('127.0.0.1', 70000, { kind: 'svc' }), { code: 'KINDS_ERR_LISTEN_ARGS', message: /port/ })
  t.throws(() => listen('127.0.0.1', -1, { kind: 'svc' }), { code: 'KINDS_ERR_LISTEN_ARGS', message: /port/ })
  t.throws(() => listen('127.0.0.1', '80', { kind: 'svc' }), { code: 'KINDS_ERR_LISTEN_ARGS', message: /port/ })
  t.throws(() => listen('127.0.0.1', 0), { code: 'KINDS_ERR_LISTEN_ARGS', message: /kind/ })
  t.throws(() => listen('127.0.0.1', 0, {}), { code: 'KINDS_ERR_LISTEN_ARGS', message: /kind/ })
  t.throws(() => listen('', 0, { kind: 'svc' }), { code: 'KINDS_ERR_LISTEN_ARGS', message: /address/ })
  t.throws(() => listen(8080, { kind: 'svc' }), { code: 'KINDS_ERR_LISTEN_ARGS', message: /address/ })
  t.throws(() => listen({ fd: -1 }, { kind: 'svc' }), { code: 'KINDS_ERR_LISTEN_ARGS', message: /fd/ })
  t.same(app.net.list(), [], 'nothing listens')
})

test('net.listen on an address already in use fails with an error naming the address', async t => {
  const { app } = await build(t)
  const blocker = net.createServer()
  await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => blocker.close())
  const port = (blocker.address() as net.AddressInfo).port
  await app.http.config({ endpoints: {} }, 'svc')
  await t.rejects(app.net.listen('127.0.0.1', port, { kind: 'svc' }), { code: 'KINDS_ERR_ADDRESS_IN_USE', message: names(`127.0.0.1:${port}`, '"svc"') })

  const [mine] = await app.net.listen('::1', 0, { kind: 'svc' })
  await t.rejects(app.net.listen('::1', mine?.port ?? 0, { kind: 'webmgmt' }), { code: 'KINDS_ERR_ADDRESS_IN_USE', message: names(`[::1]:${mine?.port ?? 0}`, '"webmgmt"') }, 'one of its own listeners too')
  t.same(app.net.list().map(l => l.kind), ['svc'], 'the failed listeners are not listed')
})
