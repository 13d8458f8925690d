// pnpm bench:kresd [--rounds 5] [--connections 100] [--pipelining 1] [--warmup 2] [--duration 10]
// Knot Resolver 5.6's HTTP module and endpoint-table serving the seed's /service, one process each.
import { loadSettings } from './lib/args.ts'
import { kresdVersion, startKresd } from './lib/kresd.ts'
import { machine, ratio, table } from './lib/report.ts'
import { runRounds, type Contender } from './lib/rounds.ts'
import { startNodeServer } from './lib/server-process.ts'

const contenders: Contender[] = [
  { name: 'kresd', start: () => startKresd() },
  { name: 'endpoint-table', start: () => startNodeServer('endpoint-table', 'endpoint-table.ts') }
]

const settings = loadSettings()
try {
  const samples = await runRounds(contenders, settings)
  console.log(table(samples))
  console.log(machine(settings))
  console.log(`kresd: ${kresdVersion()}, one process, HTTP module without TLS`)
  console.log(`ratio ${ratio(samples, 'endpoint-table', 'kresd')}`)
} catch (err) {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
}
