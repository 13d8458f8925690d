import { test } from 'tap'
import WebSocket from 'ws'
import type { Endpoint } from '@kinds/endpoint-table'
import { routerOf } from '../src/index.ts'
import { agent, build, fetchText, portOf, settles } from './support/sockets.ts'

const page: Endpoint = ['text/html', '<h1>management</h1>']

test('extends webmgmt by copying its built-in table, adding /health and configuring the copy', async t => {
  const { app } = await build(t)
  // What snippets-ui does: a built-in table for webmgmt.
  await routerOf(app.http).defineBuiltin('webmgmt', { endpoints: { '/': page } })

  const endpoints = app.http.configs._builtin.webmgmt?.endpoints ?? {}
  t.same(Object.keys(endpoints), ['/'], 'the copy holds the built-in endpoints')
  endpoints['/health'] = ['application/json',
    () => ({ state: 'up' }),
    async (_h, ws) => { await ws.send(JSON.stringify(['up'])) }]
  await app.http.config({ endpoints }, 'webmgmt')

  const [info] = await app.net.listen('127.0.0.1', 0, { kind: 'webmgmt' })
  const base = `http://127.0.0.1:${portOf(info)}`
  const client = agent(t)

  const home = await fetchText(`${base}/`, client)
  t.equal(home.status, 200, 'the built-in page still serves')
  t.equal(home.body, '<h1>management</h1>')

  const health = await fetchText(`${base}/health`, client)
  t.equal(health.status, 200)
  t.match(health.headers['content-type'], /^application\/json/)
  t.same(JSON.parse(health.body), { state: 'up' })

  const ws = new WebSocket(`ws://127.0.0.1:${portOf(info)}/health`)
  t.teardown(() => ws.terminate())
  const [message] = await settles(new Promise<[WebSocket.RawData]>((resolve, reject) => {
    ws.once('message', data => resolve([data]))
    ws.once('error', reject)
  }), 'the /health WebSocket message')
  t.same(JSON.parse(message.toString()), ['up'], 'the /health WebSocket streams its status')

  t.same(Object.keys(app.http.configs.webmgmt?.endpoints ?? {}), ['/', '/health'], 'configs shows the user layer of webmgmt')
  t.same(Object.keys(app.http.configs._builtin.webmgmt?.endpoints ?? {}), ['/'], 'the built-in table itself is unchanged')
})

test('the tables in configs are copies: changing them changes nothing until given to http.config', async t => {
  const { app } = await build(t)
  await routerOf(app.http).defineBuiltin('webmgmt', { endpoints: { '/': page } })
  await app.http.config({ endpoints: { '/a': ['text/plain', 'a'] } }, 'svc')
  const [mgmt] = await app.net.listen('127.0.0.1', 0, { kind: 'webmgmt' })
  const [svc] = await app.net.listen('127.0.0.1', 0, { kind: 'svc' })
  const client = agent(t)

  const builtin = app.http.configs._builtin.webmgmt?.endpoints ?? {}
  delete builtin['/']
  builtin['/extra'] = ['text/plain', 'extra']
  const own = app.http.configs.svc?.endpoints ?? {}
  delete own['/a']
  own['/b'] = ['text/plain', 'b']
  const all = app.http.configs._builtin.all
  if (all !== undefined) all.bodyLimit = 1

  t.same(Object.keys(app.http.configs._builtin.webmgmt?.endpoints ?? {}), ['/'], 'a second read of the built-in table is as before')
  t.same(Object.keys(app.http.configs.svc?.endpoints ?? {}), ['/a'], 'a second read of the kind table is as before')
  t.equal(app.http.configs._builtin.all?.bodyLimit, 1024 * 1024, 'the built-in defaults are as before')

  t.equal((await fetchText(`http://127.0.0.1:${portOf(mgmt)}/`, client)).status, 200, 'webmgmt still serves /')
  t.equal((await fetchText(`http://127.0.0.1:${portOf(mgmt)}/extra`, client)).status, 404, 'webmgmt does not serve the added path')
  t.equal((await fetchText(`http://127.0.0.1:${portOf(svc)}/a`, client)).status, 200, 'svc still serves /a')
  t.equal((await fetchText(`http://127.0.0.1:${portOf(svc)}/b`, client)).status, 404, 'svc does not serve the added path')
  const posted = await fetchText(`http://127.0.0.1:${portOf(svc)}/a`, client, { method: 'POST', body: 'xx' })
  t.not(posted.status, 413, 'the body limit did not become 1 byte')
})
