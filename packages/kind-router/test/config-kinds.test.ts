import net from 'node:net'
import { test } from 'tap'
import { agent, build, fetchText, serve } from './support/sockets.ts'

function refused (port: number): Promise<string> {
  return new Promise(resolve => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve('connected')
    })
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
  })
}

test('a new kind name adds a kind, and a listener of that kind serves its table', async t => {
  const { app } = await build(t)
  t.notOk('svc' in app.http.configs, 'no such kind yet')
  const port = await serve(app, 'svc', { endpoints: { '/hello': ['text/plain', () => 'hello from svc'] } })
  t.ok('svc' in app.http.configs, 'configs lists the new kind')
  const reply = await fetchText(`http://127.0.0.1:${port}/hello`, agent(t))
  t.equal(reply.status, 200)
  t.equal(reply.body, 'hello from svc')
})

test('configuring an existing kind changes its table on the listener already there', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints: { '/v': ['text/plain', () => 'one'] } })
  const client = agent(t)
  t.equal((await fetchText(`http://127.0.0.1:${port}/v`, client)).body, 'one')

  await app.http.config({ endpoints: { '/v': ['text/plain', () => 'two'], '/w': ['text/plain', 'w'] } }, 'svc')
  t.equal((await fetchText(`http://127.0.0.1:${port}/v`, client)).body, 'two', 'the new table serves once config resolves')
  t.equal((await fetchText(`http://127.0.0.1:${port}/w`, client)).status, 200, 'an added path serves')

  await app.http.config({ endpoints: { '/w': ['text/plain', 'w'] } }, 'svc')
  t.equal((await fetchText(`http://127.0.0.1:${port}/v`, client)).status, 404, 'a path left out of the new table is gone')
  t.same(app.net.list().map(l => [l.kind, l.port]), [['svc', port]], 'the same listener, not re-bound')
})

test('http.config(null, kind) removes the kind and closes its listeners', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints: { '/': ['text/plain', 'up'] } })
  const [second] = await app.net.listen('127.0.0.1', 0, { kind: 'svc' })
  const other = await serve(app, 'other', { endpoints: { '/': ['text/plain', 'other'] } })
  const client = agent(t)
  t.equal((await fetchText(`http://127.0.0.1:${port}/`, client)).status, 200)

  await app.http.config(null, 'svc')
  t.notOk('svc' in app.http.configs, 'configs no longer lists it')
  t.same(app.net.list().map(l => l.kind), ['other'], 'only the other kind still listens')
  t.equal(await refused(port), 'ECONNREFUSED', 'its first listener is closed')
  t.equal(await refused(second?.port ?? 0), 'ECONNREFUSED', 'its second listener is closed')
  t.throws(() => app.net.listen('127.0.0.1', 0, { kind: 'svc' }), { code: 'KINDS_ERR_UNKNOWN_KIND' }, 'it cannot be listened on any more')
  t.equal((await fetchText(`http://127.0.0.1:${other}/`, client)).body, 'other', 'the other kind keeps serving')

  const again = await serve(app, 'svc', { endpoints: { '/': ['text/plain', 'back'] } })
  t.equal((await fetchText(`http://127.0.0.1:${again}/`, client)).body, 'back', 'the name can be used again')
})
