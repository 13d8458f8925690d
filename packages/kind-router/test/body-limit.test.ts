import { test } from 'tap'
import type { EndpointTable } from '@kinds/endpoint-table'
import { agent, build, ephemeralCa, fetchText, rawExchange, serve } from './support/sockets.ts'

const endpoints: EndpointTable = { '/upload': ['text/plain', async (_h, stream) => `${(await stream.getBodyAsString()).length} bytes`] }

test('answers 413 to a body over bodyLimit, and keeps serving', async t => {
  const { app, logs } = await build(t)
  const port = await serve(app, 'svc', { endpoints, bodyLimit: 1000 })
  const client = agent(t)
  const url = `http://127.0.0.1:${port}/upload`
  t.equal((await fetchText(url, client, { method: 'POST', body: 'x'.repeat(1000) })).body, '1000 bytes', 'a body at the limit passes')
  t.equal((await fetchText(url, client, { method: 'POST', body: 'x'.repeat(1001) })).status, 413, 'one byte more: 413')

  const chunked = await rawExchange(port, 'POST /upload HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n' +
    '3e8\r\n' + 'y'.repeat(1000) + '\r\n3e8\r\n' + 'y'.repeat(1000) + '\r\n0\r\n\r\n')
  t.match(chunked, /^HTTP\/1\.1 413 /, 'a chunked body without content-length that grows past the limit: 413')

  const secure = await fetchText(`https://127.0.0.1:${port}/upload`, agent(t, await ephemeralCa()), { method: 'POST', body: 'x'.repeat(5000) })
  t.equal(secure.status, 413, 'over TLS too')
  t.equal((await fetchText(url, client, { method: 'POST', body: 'ok' })).body, '2 bytes', 'the kind keeps serving')
  t.ok(requestLinesWith(logs, 413) >= 2, 'the 413s are logged as requests')
})

test('each kind has its own body limit', async t => {
  const { app } = await build(t)
  const small = await serve(app, 'small', { endpoints, bodyLimit: 10 })
  const big = await serve(app, 'big', { endpoints })
  const client = agent(t)
  t.equal((await fetchText(`http://127.0.0.1:${small}/upload`, client, { method: 'POST', body: 'x'.repeat(100) })).status, 413)
  t.equal((await fetchText(`http://127.0.0.1:${big}/upload`, client, { method: 'POST', body: 'x'.repeat(100) })).body, '100 bytes', 'the default of 1 MiB elsewhere')
})

function requestLinesWith (logs: Array<{ msg: string, status?: unknown }>, status: number): number {
  return logs.filter(line => line.msg === 'request' && line.status === status).length
}
