// Three kinds listening (webmgmt with its page, two of the user's), then idle until stopped.
import Fastify from 'fastify'
import kindRouter from '@kinds/kind-router'
import snippetsUi from '@kinds/snippets-ui'

const app = Fastify({ logger: false })
await app.register(kindRouter)
await app.register(snippetsUi)
await app.http.config({ endpoints: { '/service': ['application/json', () => ({ value: 42 })] } }, 'myservice')
await app.http.config({ tls: false, endpoints: { '/ping': ['text/plain', 'pong'] } }, 'probe')
await app.net.listen('127.0.0.1', 0, { kind: 'webmgmt' })
await app.net.listen('127.0.0.1', 0, { kind: 'myservice' })
await app.net.listen('127.0.0.1', 0, { kind: 'probe' })
console.log('ready')
process.once('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
