import { test } from 'tap'
import { agent, build, fetchText, portOf, tempDir } from './support/sockets.ts'
import { Agent } from 'undici'
import { join } from 'node:path'

test('every listener of a kind serves the same instance and shares its state', async t => {
  const { app } = await build(t)
  let count = 0
  await app.http.config({
    endpoints: { '/count': ['application/json', () => ({ count: ++count })] },
    // State kept on the kind's instance: one instance, one counter.
    setup: async instance => {
      instance.decorate('hits', 0)
      instance.addHook('onRequest', async () => { (instance as unknown as { hits: number }).hits++ })
      instance.get('/hits', async () => ({ hits: (instance as unknown as { hits: number }).hits }))
    }
  }, 'svc')
  const [v4] = await app.net.listen('127.0.0.1', 0, { kind: 'svc' })
  const [v6] = await app.net.listen('::1', 0, { kind: 'svc' })
  const socketPath = join(tempDir(t), 'svc.sock')
  await app.net.listen(socketPath, { kind: 'svc' })
  const client = agent(t)
  const unix = new Agent({ connect: { socketPath } })
  t.teardown(() => unix.destroy())

  t.same(JSON.parse((await fetchText(`http://127.0.0.1:${portOf(v4)}/count`, client)).body), { count: 1 })
  t.same(JSON.parse((await fetchText(`http://[::1]:${portOf(v6)}/count`, client)).body), { count: 2 })
  t.same(JSON.parse((await fetchText('http://localhost/count', unix)).body), { count: 3 })
  t.same(JSON.parse((await fetchText(`http://127.0.0.1:${portOf(v4)}/count`, client)).body), { count: 4 })
  t.same(JSON.parse((await fetchText(`http://[::1]:${portOf(v6)}/hits`, client)).body), { hits: 5 }, 'the instance counted the requests of all three listeners')
})
