// pnpm bench:table [--rounds 5] [--connections 100] [--pipelining 1] [--warmup 2] [--duration 10]
// node:http, a plain Fastify route and endpoint-table serving the same JSON, each in its own process.
import { loadSettings } from './lib/args.ts'
import { machine, ratio, table } from './lib/report.ts'
import { runRounds, type Contender } from './lib/rounds.ts'
import { startNodeServer } from './lib/server-process.ts'

const contenders: Contender[] = [
  { name: 'node', start: () => startNodeServer('node', 'node-http.ts') },
  { name: 'fastify', start: () => startNodeServer('fastify', 'fastify.ts') },
  { name: 'endpoint-table', start: () => startNodeServer('endpoint-table', 'endpoint-table.ts') }
]

const settings = loadSettings()
try {
  const samples = await runRounds(contenders, settings)
  console.log(table(samples))
  console.log(machine(settings))
  console.log(`ratio ${ratio(samples, 'endpoint-table', 'fastify')} ${ratio(samples, 'fastify', 'node')}`)
} catch (err) {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
}
