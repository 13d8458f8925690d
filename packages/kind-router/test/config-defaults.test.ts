import { test } from 'tap'
import type { EndpointTable } from '@kinds/endpoint-table'
import { routerOf } from '../src/index.ts'
import { agent, build, fetchText, portOf, serve } from './support/sockets.ts'

const echo: EndpointTable = { '/echo': ['text/plain', async (_h, stream) => `got ${(await stream.getBodyAsString()).length}`] }

/** The status of a POST of `size` bytes. */
async function post (url: string, size: number, client: ReturnType<typeof agent>): Promise<number> {
  return (await fetchText(url, client, { method: 'POST', body: 'x'.repeat(size), headers: { 'content-type': 'text/plain' } })).status
}

test('http.config(conf) without a kind sets defaults for every kind', async t => {
  const { app } = await build(t)
  const a = await serve(app, 'a', { endpoints: echo })
  const b = await serve(app, 'b', { endpoints: echo })
  const client = agent(t)
  t.equal(await post(`http://127.0.0.1:${a}/echo`, 100, client), 200, 'before: the default limit of 1 MiB')

  await app.http.config({ bodyLimit: 50 })
  t.equal(await post(`http://127.0.0.1:${a}/echo`, 100, client), 413, 'kind a takes the new default')
  t.equal(await post(`http://127.0.0.1:${b}/echo`, 100, client), 413, 'kind b takes the new default')
  t.equal(await post(`http://127.0.0.1:${b}/echo`, 40, client), 200, 'a body under it passes')

  const c = await serve(app, 'c', { endpoints: echo })
  t.equal(await post(`http://127.0.0.1:${c}/echo`, 100, client), 413, 'a kind added later takes it too')
  t.equal(app.http.configs._builtin.all?.bodyLimit, 1024 * 1024, 'the built-in defaults are not changed')
})

test('merges built-in all, then built-in kind, then all, then kind: later wins, field by field', async t => {
  const { app } = await build(t)
  const router = routerOf(app.http)
  await router.defineBuiltin('webmgmt', { endpoints: echo, bodyLimit: 100 })
  const [info] = await app.net.listen('127.0.0.1', 0, { kind: 'webmgmt' })
  const url = `http://127.0.0.1:${portOf(info)}/echo`
  const client = agent(t)

  t.equal(await post(url, 150, client), 413, 'the built-in kind (100) beats the built-in all (1 MiB)')
  t.equal(await post(url, 90, client), 200)

  await app.http.config({ bodyLimit: 200 })
  t.equal(await post(url, 150, client), 200, 'all (200) beats the built-in kind (100)')
  t.equal(await post(url, 250, client), 413)

  await app.http.config({ bodyLimit: 300 }, 'webmgmt')
  t.equal(await post(url, 250, client), 200, 'the kind (300) beats all (200)')
  t.equal(await post(url, 350, client), 413)
  t.equal((await fetchText(url, client, { method: 'POST', body: 'abc' })).body, 'got 3', 'endpoints still come from the built-in layer: the merge is field by field')

  await app.http.config({ bodyLimit: 50 })
  t.equal(await post(url, 250, client), 200, 'a later change of all does not beat the kind')

  await app.http.config({ endpoints: { '/other': ['text/plain', 'other'] } }, 'webmgmt')
  t.equal((await fetchText(url, client)).status, 404, 'giving endpoints replaces the table, it does not add to it')
  t.equal((await fetchText(`http://127.0.0.1:${portOf(info)}/other`, client)).body, 'other')
  t.equal(await post(`http://127.0.0.1:${portOf(info)}/other`, 100, client), 413, 'and the kind layer replaced its bodyLimit too: all (50) applies')
})
