import { test } from 'tap'
import type { EndpointTable } from '@kinds/endpoint-table'
import { agent, build, echo, ephemeralCa, fetchText, serve } from './support/sockets.ts'

const endpoints: EndpointTable = {
  '/echo': ['text/plain', () => 'use a WebSocket', async (_h, ws) => {
    for await (const message of ws) await ws.send(`echo ${message.toString()}`)
  }]
}

for (const tlsMode of [true, undefined]) {
  test(`serves a WebSocket over TLS on the same port as HTTPS (tls: ${String(tlsMode)})`, async t => {
    const { app } = await build(t)
    const port = await serve(app, 'svc', { endpoints, ...(tlsMode === undefined ? {} : { tls: tlsMode }) })
    const ca = await ephemeralCa()
    t.equal(await echo(`wss://127.0.0.1:${port}/echo`, { ca }), 'echo ping', 'wss with the certificate as ca')
    t.equal((await fetchText(`https://127.0.0.1:${port}/echo`, agent(t, ca))).body, 'use a WebSocket', 'HTTPS on the same port')
    if (tlsMode === undefined) t.equal(await echo(`ws://127.0.0.1:${port}/echo`, {}), 'echo ping', 'and plain ws too')
    await t.rejects(echo(`wss://127.0.0.1:${port}/echo`, {}), 'a wss client that does not trust the certificate fails')
  })
}
