// An ordinary existing Fastify service that adopts the three packages, as a user would.
import Fastify from 'fastify'
import websocket from '@fastify/websocket'
import kindRouter, { type ListenerInfo } from '@kinds/kind-router'
import snippetsUi from '@kinds/snippets-ui'
import endpointTable, { sleep, status, type EndpointTable } from '@kinds/endpoint-table'

const app = Fastify({ logger: { level: 'warn' } })

// The service's own plugins, routes and handlers.
await app.register(websocket)
app.get('/app-ws', { websocket: true }, socket => { socket.send('app ws') })
app.setNotFoundHandler((request, reply) => { reply.code(404).send({ app: 'not found', url: request.url }) })
app.setErrorHandler((error: Error, _request, reply) => { reply.code(418).send({ app: 'error', message: error.message }) })
app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => { done(null, String(body).split(',')) })
app.get('/hello', async () => ({ app: 'hello' }))
app.post('/csv', async request => ({ fields: request.body }))
app.get('/fail', async () => { throw new Error('app failed') })

// The suite.
await app.register(kindRouter)
await app.register(snippetsUi, { name: 'consumer' })
const table = (name: string): EndpointTable => ({
  '/service': ['application/json', h => h.get(':method') === 'GET' ? { table: name } : status(405, 'no')],
  '/live': ['text/plain', `live ${name}`, async (_h, ws) => {
    await ws.send(`ws ${name}`)
    await sleep(60_000, ws.signal)
  }]
})
await app.register(endpointTable, { prefix: '/one', endpoints: table('one') })
await app.register(endpointTable, { prefix: '/two', endpoints: table('two') })
await app.http.config({ endpoints: { '/service': ['application/json', () => ({ kind: 'myservice' })] } }, 'myservice')
app.http.snippets.consumer = ['Consumer', '<p>adopted</p>']

await app.listen({ host: '127.0.0.1', port: 0 })
const port = (infos: ListenerInfo[]): number | undefined => infos[0]?.port
const kind = port(await app.net.listen('127.0.0.1', 0, { kind: 'myservice' }))
const webmgmt = port(await app.net.listen('127.0.0.1', 0, { kind: 'webmgmt' }))
const address = app.server.address()
const own = typeof address === 'object' && address !== null ? address.port : undefined

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    app.close().then(() => process.exit(0), (err: unknown) => {
      console.error(err)
      process.exit(1)
    })
  })
}
process.stdout.write(JSON.stringify({ own, kind, webmgmt }) + '\n')
