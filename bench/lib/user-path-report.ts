import { createRequire } from 'node:module'
import { cpus, loadavg } from 'node:os'
import type { BenchFlags } from './flags.ts'
import type { Pinning } from './pin.ts'
import { median } from './report.ts'
import { loadGenerator } from './loads.ts'
import type { Ratio, Row } from './rows.ts'
import type { Sample } from './sample.ts'

const require = createRequire(import.meta.url)

/** The median of the rounds that gave a figure (a failed round gives NaN). */
function medianOf (values: number[]): number {
  return median(values.filter(Number.isFinite))
}

/** The best of the rounds that gave a figure (`Math.max` for req/s, `Math.min` for CPU per request). */
function bestOf (values: number[], pick: (...values: number[]) => number): number {
  const finite = values.filter(Number.isFinite)
  return finite.length === 0 ? Number.NaN : pick(...finite)
}

function format (rps: number): string {
  return Number.isFinite(rps) ? Math.round(rps).toLocaleString('en-US') : '–'
}

function fixed (n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '–'
}

/**
 * A Markdown table, one line per row: median and min–max of req/s (messages/s for the
 * WebSocket rows), median p99, median server CPU per request, failures over all rounds.
 */
export function table (rows: Row[], samples: Map<string, Sample[]>, flags: BenchFlags): string {
  const lines = rows.map(row => {
    const runs = samples.get(row.name) ?? []
    const rps = runs.map(s => s.rps).filter(Number.isFinite)
    const range = rps.length === 0 ? '–' : `${format(Math.min(...rps))}–${format(Math.max(...rps))}`
    const failures = runs.reduce((sum, s) => sum + s.failures, 0)
    return `| ${row.name} | ${row.groups.join(',')} | ${loadGenerator(row.load, flags)} | ${format(medianOf(rps))} | ${range} | ` +
      `${fixed(medianOf(runs.map(s => s.p99)), 2)} | ${fixed(medianOf(runs.map(s => s.cpuUs)), 1)} | ${failures} |`
  })
  return [
    '| row | group | load generator | req/s (median) | req/s (min–max) | p99 ms (median) | server CPU µs/req (median) | errors |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...lines
  ].join('\n')
}

/** What the rows are, for the reader of the output. */
export function legend (rows: Row[]): string {
  return rows.map(row => `  ${row.name}: ${row.what}`).join('\n')
}

/** What the figures were measured on and with. */
export function machine (flags: BenchFlags, tools: Record<string, string | undefined>, loadAtStart: number[], pinning: Pinning | string): string {
  const cpu = cpus()
  const fastify = (require('fastify/package.json') as { version: string }).version
  const load = (l: number[]): string => l.map(n => n.toFixed(2)).join(' ')
  return [
    `machine: ${cpu[0]?.model.trim() ?? 'unknown cpu'}, ${cpu.length} cores, node ${process.version}, fastify ${fastify}; load average ${load(loadAtStart)} at start, ${load(loadavg())} at end`,
    `tools: ${Object.entries(tools).map(([name, version]) => `${name}: ${version ?? 'missing'}`).join('; ')}`,
    `settings: ${flags.rounds} rounds interleaved, warm-up ${flags.warmup} s (not counted), ${flags.duration} s measured, ` +
      `${flags.connections} connections, ${flags.streams} h2 streams each, ${flags.threads} load thread; logger level warn on every server`,
    `pinned: ${typeof pinning === 'string' ? pinning : `servers on CPU ${pinning.server}, load generators on CPU ${pinning.load} (taskset)`}`
  ].join('\n')
}

/**
 * One line per ratio: the ratio of medians, then each round's own ratio (the two rows of a
 * round ran one after the other), the best round of each row against the other's best, the
 * same comparisons by server CPU per request (bottom's over top's, so that above 1 means the
 * top row costs less, as with req/s), and the target. On a shared machine the speed of a core
 * changes from one run to the next (bench/README.md, "Noise"): slow spells only ever take
 * speed away, so the best rounds are the ones least touched by them.
 */
export function ratioLines (ratios: Ratio[], samples: Map<string, Sample[]>, skipped: Map<string, string>): string[] {
  return ratios.map(ratio => {
    const label = `ratio ${ratio.group} ${ratio.name}`
    const why = skipped.get(ratio.top) ?? skipped.get(ratio.bottom)
    if (why !== undefined) return `${label}: skipped (${why})`
    const top = samples.get(ratio.top) ?? []
    const bottom = samples.get(ratio.bottom) ?? []
    const value = medianOf(top.map(s => s.rps)) / medianOf(bottom.map(s => s.rps))
    const rounds = top.map((s, i) => fixed(s.rps / (bottom[i]?.rps ?? Number.NaN), 2)).join(' ')
    const best = bestOf(top.map(s => s.rps), Math.max) / bestOf(bottom.map(s => s.rps), Math.max)
    const cpu = medianOf(bottom.map(s => s.cpuUs)) / medianOf(top.map(s => s.cpuUs))
    const cpuBest = bestOf(bottom.map(s => s.cpuUs), Math.min) / bestOf(top.map(s => s.cpuUs), Math.min)
    const target = ratio.target === undefined ? '' : `, target ${ratio.target}`
    return `${label} = ${fixed(value, 2)} (rounds: ${rounds}; best rounds: ${fixed(best, 2)}; ` +
      `by server CPU per request: ${fixed(cpu, 2)}, best ${fixed(cpuBest, 2)}${target})`
  })
}
