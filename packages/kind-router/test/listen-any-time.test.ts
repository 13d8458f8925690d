import { test } from 'tap'
import { agent, build, fetchText, portOf } from './support/sockets.ts'

test('net.listen and net.close work before and after the app starts', async t => {
  const { app } = await build(t)
  app.get('/own', async () => 'the app\'s own route')
  await app.http.config({ endpoints: { '/': ['text/plain', 'kind'] } }, 'svc')
  const [before] = await app.net.listen('127.0.0.1', 0, { kind: 'svc' })

  await app.listen({ host: '127.0.0.1', port: 0 })
  const [after] = await app.net.listen('127.0.0.1', 0, { kind: 'svc' })
  const client = agent(t)
  const ownPort = (app.server.address() as { port: number }).port
  t.equal((await fetchText(`http://127.0.0.1:${portOf(before)}/`, client)).body, 'kind', 'a listener made before start serves')
  t.equal((await fetchText(`http://127.0.0.1:${portOf(after)}/`, client)).body, 'kind', 'a listener made after start serves')
  t.equal((await fetchText(`http://127.0.0.1:${ownPort}/own`, client)).body, 'the app\'s own route', 'the app\'s own server is its own')
  t.equal((await fetchText(`http://127.0.0.1:${ownPort}/`, client)).status, 404, 'and does not serve the kind\'s table')

  await app.net.close('127.0.0.1', portOf(before))
  t.equal((await fetchText(`http://127.0.0.1:${portOf(after)}/`, client)).body, 'kind', 'closing one after start leaves the other')
  t.same(app.net.list().map(l => l.port), [portOf(after)])
})
