// pnpm bench:pairs [--processes 4] [--bursts 10] [--burst 2] [--warmup 3] [--connections 50] [--pairs fastify,table,kind,kind-bare,kind-quiet,kind-default,fastify-no-keepalive-timer] [--no-pin]
// A kind against a plain Fastify route in the same process (servers/pair.ts), loaded by wrk in
// short bursts that take turns (A B, B A, ...): each process gives the median of its bursts'
// ratios, the run the median over fresh processes. A process is faster or slower by up to a
// quarter for its whole life (bench/README.md, Noise); in one process both sides share that luck.
import { parseArgs } from 'node:util'
import { integer } from './lib/args.ts'
import { checkAnswer } from './lib/check.ts'
import { pinTo } from './lib/pin.ts'
import { median } from './lib/report.ts'
import { startNodeServer } from './lib/server-process.ts'
import { WRK, toolVersion } from './lib/tools.ts'
import { wrk } from './lib/wrk.ts'

const PAIRS = ['fastify', 'table', 'kind', 'kind-bare', 'kind-quiet', 'kind-default', 'fastify-no-keepalive-timer']

const { values } = parseArgs({
  options: {
    processes: { type: 'string', default: '4' },
    bursts: { type: 'string', default: '10' },
    burst: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    pairs: { type: 'string', default: PAIRS.join(',') },
    'no-pin': { type: 'boolean', default: false }
  }
})
const processes = integer('processes', values.processes, 1)
const bursts = integer('bursts', values.bursts, 2)
const burst = integer('burst', values.burst, 1)
const warmup = integer('warmup', values.warmup, 1)
const connections = integer('connections', values.connections, 1)
const pairs = values.pairs.split(',').filter(p => p !== '')
for (const p of pairs) if (!PAIRS.includes(p)) throw new Error(`--pairs takes ${PAIRS.join(', ')}, got ${p}`)
const pinning = pinTo(!values['no-pin'])
if (toolVersion(WRK, ['--version']) === undefined) throw new Error('wrk not found (apt-get install wrk)')

/** No server CPU is read around a burst: the ratio of the two sides' req/s is the figure. */
const unwatched = { begin () {}, end () {} }

/** Requests per second of one burst of `wrk -t1 -c<connections>` on /service; errors or non-2xx stop the run. */
async function rps (port: number, seconds: number): Promise<number> {
  const result = await wrk(`http://127.0.0.1:${port}/service`, { threads: 1, connections, warmup: 0, duration: seconds }, unwatched)
  if (result.failures > 0) throw new Error(`wrk on port ${port}: ${result.failures} errors or non-2xx`)
  return result.rps
}

/** One fresh process of `pair`: warmed up, then `bursts` pairs of bursts, the order turned each time. */
async function onePair (pair: string): Promise<number[]> {
  const server = await startNodeServer(`pair ${pair}`, 'pair.ts', { env: { BENCH_PAIR: pair } })
  try {
    const reference = server.port
    const answer = await fetch(`http://127.0.0.1:${reference}/pair`)
    const other = ((await answer.json()) as { port: number }).port
    await checkAnswer(`the reference of pair ${pair}`, `http://127.0.0.1:${reference}/service`)
    await checkAnswer(`pair ${pair}`, `http://127.0.0.1:${other}/service`)
    await rps(reference, warmup)
    await rps(other, warmup)
    const ratios: number[] = []
    for (let i = 0; i < bursts; i++) {
      let a: number
      let b: number
      if (i % 2 === 0) {
        a = await rps(reference, burst)
        b = await rps(other, burst)
      } else {
        b = await rps(other, burst)
        a = await rps(reference, burst)
      }
      ratios.push(b / a)
    }
    return ratios
  } finally {
    await server.stop()
  }
}

const perProcess = new Map<string, number[]>(pairs.map(p => [p, []]))
try {
  for (let round = 1; round <= processes; round++) {
    for (const pair of pairs) {
      const ratios = await onePair(pair)
      const m = median(ratios)
      perProcess.get(pair)!.push(m)
      process.stderr.write(`process ${round}/${processes} ${pair}: median ${m.toFixed(3)} (bursts ${ratios.map(r => r.toFixed(2)).join(' ')})\n`)
    }
  }
  console.log(`same process, wrk -t1 -c${connections}, ${bursts} bursts of ${burst} s a process after ${warmup} s of warm-up each side, ` +
    `${processes} processes a pair, pinning ${typeof pinning === 'string' ? pinning : `server CPU ${pinning.server}, load CPU ${pinning.load}`}`)
  for (const [pair, ms] of perProcess) {
    const sorted = [...ms].sort((a, b) => a - b)
    console.log(`pair ${pair} / fastify (same process) = ${median(ms).toFixed(3)} (processes: ${ms.map(m => m.toFixed(3)).join(' ')}; min–max ${sorted[0]!.toFixed(3)}–${sorted.at(-1)!.toFixed(3)})`)
  }
} catch (err) {
  // A server that did not start or a wrk that failed stops the run with what it said.
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
}
