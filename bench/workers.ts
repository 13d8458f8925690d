// Requests per second of the user's path (the seed's GET /service through kind-router, with
// snippets-ui counting every request) in one process, and in 1 and 2 workers of runWorkers, under
// `wrk -t1 -c50 -d5s`; the three interleaved, a fresh server per run, the medians printed.
//
//   node_modules/.bin/tsc -b && node --import tsx bench/workers.ts [--rounds 3] [--duration 5]
//
// `node --import tsx bench/workers.ts serve <workers>` is the server itself (0: no cluster).
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import kindRouter from '@kinds/kind-router'
import { runWorkers } from '@kinds/kind-router/cluster'
import snippetsUi from '@kinds/snippets-ui'
import { freePort } from '../packages/kind-router/test/support/child.ts'
import { integer } from './lib/args.ts'
import { median } from './lib/report.ts'
import { startServer } from './lib/server-process.ts'
import { wrk } from './lib/wrk.ts'
import { serviceEndpoint } from './servers/service.ts'

async function serve (port: number): Promise<void> {
  const app = Fastify({ logger: false })
  await app.register(kindRouter)
  await app.register(snippetsUi)
  // The seed's /service, without its log line (it would measure the log writer).
  await app.http.config({ endpoints: { '/service': serviceEndpoint } }, 'myservice')
  await app.net.listen('127.0.0.1', port, { kind: 'myservice' })
  process.once('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
}

if (process.argv[2] === 'serve' || process.env.KINDS_WORKER_SLOT !== undefined) {
  const workers = Number(process.argv[3])
  const port = Number(process.env.PORT)
  if (workers === 0) await serve(port)
  else await runWorkers(() => serve(port), { workers, timeout: 5000 })
  if (process.env.KINDS_WORKER_SLOT === undefined) console.log(`listening ${port}`)
} else {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, duration: { type: 'string', default: '5' } } })
  const rounds = integer('rounds', values.rounds, 1)
  const duration = integer('duration', values.duration, 1)
  const contenders = [['one process', 0], ['1 worker', 1], ['2 workers', 2]] as const
  const samples = new Map<string, number[]>(contenders.map(([name]) => [name, []]))
  const self = fileURLToPath(import.meta.url)
  for (let round = 1; round <= rounds; round++) {
    for (const [name, workers] of contenders) {
      const port = await freePort()
      const server = await startServer(name, process.execPath, ['--import', 'tsx', self, 'serve', String(workers)], { PORT: String(port) }, 60_000)
      try {
        const url = `http://127.0.0.1:${port}/service`
        // A second of warm-up, not counted: the JIT, and every worker's first connections.
        const { rps, failures } = await wrk(url, { threads: 1, connections: 50, warmup: 1, duration }, { begin () {}, end () {} })
        samples.get(name)!.push(rps)
        process.stderr.write(`round ${round}/${rounds} ${name}: ${Math.round(rps)} req/s${failures === 0 ? '' : ` (${failures} socket errors or non-2xx)`}\n`)
      } finally {
        await server.stop()
      }
    }
  }
  console.log(`\nwrk -t1 -c50 -d${duration}s http://127.0.0.1:<port>/service, ${rounds} rounds interleaved, median req/s:\n`)
  console.log('| server | req/s (median) | rounds |')
  console.log('| --- | ---: | --- |')
  for (const [name, rps] of samples) console.log(`| ${name} | ${Math.round(median(rps))} | ${rps.map(Math.round).join(', ')} |`)
}
