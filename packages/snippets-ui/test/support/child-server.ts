// The webmgmt kind in a process of its own, for the tests that freeze (SIGSTOP) or restart the server.
// PORT (0 for any) and INTERVAL come from the environment; it prints {"port":N} once it listens.
import Fastify from 'fastify'
import kindRouter from '@kinds/kind-router'
import snippetsUi from '../../src/index.ts'

const app = Fastify({ logger: false })
await app.register(kindRouter)
await app.register(snippetsUi, { name: 'child', interval: Number(process.env.INTERVAL ?? 1000) })
await app.http.config({ endpoints: { '/ok': ['application/json', () => ({ ok: true })] } }, 'api')
const [w] = await app.net.listen('127.0.0.1', Number(process.env.PORT ?? 0), { kind: 'webmgmt' })
await app.net.listen('127.0.0.1', 0, { kind: 'api' })
process.stdout.write(JSON.stringify({ port: w!.port }) + '\n')
process.once('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
