// pnpm bench:pairs [--processes 2] [--bursts 10] [--burst 2] [--warmup 3] [--connections 50] [--streams 10] [--pairs fastify,kind,...] [--no-pin]
// A server against a plain Fastify server of the same protocol in one process (servers/pair.ts,
// the pairs in lib/pairs.ts), loaded in short bursts that take turns (A B, B A, ...) by the
// protocol's load generator (wrk, h2load or the WebSocket echo client): each process gives the
// median of its bursts' ratios, the run the median over fresh processes. A process is faster or
// slower by up to a quarter for its whole life (bench/README.md, Noise); in one process both
// sides share that luck.
import { parseArgs } from 'node:util'
import { integer } from './lib/args.ts'
import { runCertificate } from './lib/certificate.ts'
import { checkLoad, loadGenerator, runLoad, urlFor, type LoadSettings } from './lib/loads.ts'
import { DEFAULT_PAIRS, pairNamed, type Pair } from './lib/pairs.ts'
import { pinTo } from './lib/pin.ts'
import { median } from './lib/report.ts'
import { toolOf, type LoadKind } from './lib/rows.ts'
import { startNodeServer } from './lib/server-process.ts'
import { H2LOAD, WRK, install, toolVersion } from './lib/tools.ts'

const { values } = parseArgs({
  options: {
    processes: { type: 'string', default: '2' },
    bursts: { type: 'string', default: '10' },
    burst: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    streams: { type: 'string', default: '10' },
    pairs: { type: 'string', default: DEFAULT_PAIRS.join(',') },
    'no-pin': { type: 'boolean', default: false }
  }
})
const processes = integer('processes', values.processes, 1)
const bursts = integer('bursts', values.bursts, 2)
const burst = integer('burst', values.burst, 1)
const warmup = integer('warmup', values.warmup, 1)
const connections = integer('connections', values.connections, 1)
const streams = integer('streams', values.streams, 1)
const pairs = values.pairs.split(',').filter(p => p !== '').map(pairNamed)
const pinning = pinTo(!values['no-pin'])
const versions: Record<string, string | undefined> = { wrk: toolVersion(WRK, ['--version']), h2load: toolVersion(H2LOAD, ['--version']) }
for (const pair of pairs) {
  const tool = toolOf(pair)
  if (tool !== undefined && versions[tool] === undefined) throw new Error(`pair ${pair.name} needs ${tool}, which is not found (${install[tool]})`)
}

/** The reference of each protocol, as the result lines name it. */
const REFERENCE: Record<LoadKind, string> = {
  wrk: 'fastify',
  'wrk-tls': 'fastify https',
  'h2load-tls': 'fastify h2',
  'h2load-h2c': 'fastify h2c',
  ws: 'fastify ws'
}

/** The load generators' shape on both sides of every pair: one thread, as in `pnpm bench`. */
const shape = { threads: 1, connections, streams }

/** No server CPU is read around a burst: the ratio of the two sides' figures is the measure. */
const unwatched = { begin () {}, end () {} }

/** Requests (or echoes) per second of one burst; errors or non-2xx stop the run. */
async function rate (pair: Pair, port: number, seconds: number, first: boolean): Promise<number> {
  const settings: LoadSettings = { ...shape, warmup: 0, duration: seconds, prime: first }
  const result = await runLoad(pair.load, urlFor(pair.load, port), settings, unwatched)
  if (result.failures > 0) throw new Error(`${loadGenerator(pair.load, shape)} on port ${port}: ${result.failures} errors or non-2xx`)
  return result.rps
}

/** One fresh process of `pair`: checked, warmed up, then `bursts` pairs of bursts, the order turned each time. */
async function onePair (pair: Pair, env: Record<string, string>): Promise<number[]> {
  const server = await startNodeServer(`pair ${pair.name}`, 'pair.ts', { env: { ...env, BENCH_PAIR: pair.name } })
  try {
    const reference = server.port
    const said = server.said.map(line => /^pair (\d+)$/.exec(line)).find(match => match !== null)
    if (said == null) throw new Error(`pair ${pair.name} did not say its port (a \`pair <port>\` line)`)
    const other = Number(said[1])
    await checkLoad(pair.load, `the reference of pair ${pair.name}`, urlFor(pair.load, reference))
    await checkLoad(pair.load, `pair ${pair.name}`, urlFor(pair.load, other))
    await rate(pair, reference, warmup, true)
    await rate(pair, other, warmup, true)
    const ratios: number[] = []
    for (let i = 0; i < bursts; i++) {
      let a: number
      let b: number
      if (i % 2 === 0) {
        a = await rate(pair, reference, burst, false)
        b = await rate(pair, other, burst, false)
      } else {
        b = await rate(pair, other, burst, false)
        a = await rate(pair, reference, burst, false)
      }
      ratios.push(b / a)
    }
    return ratios
  } finally {
    await server.stop()
  }
}

for (const pair of pairs) process.stderr.write(`pair ${pair.name} (${loadGenerator(pair.load, shape)}): ${pair.what}\n`)
const certificate = await runCertificate()
const perProcess = new Map<Pair, number[]>(pairs.map(p => [p, []]))
try {
  for (let round = 1; round <= processes; round++) {
    for (const pair of pairs) {
      const ratios = await onePair(pair, certificate.env)
      const m = median(ratios)
      perProcess.get(pair)!.push(m)
      process.stderr.write(`process ${round}/${processes} ${pair.name}: median ${m.toFixed(3)} (bursts ${ratios.map(r => r.toFixed(2)).join(' ')})\n`)
    }
  }
  const loaders = [...new Set(pairs.map(p => loadGenerator(p.load, shape)))].join('; ')
  console.log(`same process, ${loaders}; ${bursts} bursts of ${burst} s a process after ${warmup} s of warm-up each side, ` +
    `${processes} processes a pair, pinning ${typeof pinning === 'string' ? pinning : `server CPU ${pinning.server}, load CPU ${pinning.load}`}`)
  for (const [pair, ms] of perProcess) {
    const sorted = [...ms].sort((a, b) => a - b)
    const row = pair.row === undefined ? '' : `, row ${pair.row}`
    console.log(`pair ${pair.name} / ${REFERENCE[pair.load]} (same process${row}) = ${median(ms).toFixed(3)} ` +
      `(processes: ${ms.map(m => m.toFixed(3)).join(' ')}; min–max ${sorted[0]!.toFixed(3)}–${sorted.at(-1)!.toFixed(3)})`)
  }
} catch (err) {
  // A server that did not start or a load generator that failed stops the run with what it said.
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
} finally {
  await certificate.remove()
}
