import { cpus } from 'node:os'
import { createRequire } from 'node:module'
import type { LoadSettings } from './args.ts'
import type { Sample } from './load.ts'

const require = createRequire(import.meta.url)

export function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Median requests per second of a server's runs. */
export function medianRps (samples: Map<string, Sample[]>, name: string): number {
  return median((samples.get(name) ?? []).map(s => s.rps))
}

/** A Markdown table: req/s median and min–max over rounds, p99 latency median, failed requests. */
export function table (samples: Map<string, Sample[]>): string {
  const rows = [...samples].map(([name, runs]) => {
    const rps = runs.map(s => s.rps)
    const range = `${format(Math.min(...rps))}–${format(Math.max(...rps))}`
    const failures = runs.reduce((sum, s) => sum + s.failures, 0)
    return `| ${name} | ${format(median(rps))} | ${range} | ${median(runs.map(s => s.p99))} | ${failures} |`
  })
  return ['| server | req/s (median) | req/s (min–max) | p99 ms (median) | errors |', '| --- | ---: | ---: | ---: | ---: |', ...rows].join('\n')
}

/** What the figures were measured on and with. */
export function machine (settings: LoadSettings): string {
  const cpu = cpus()
  const fastify = (require('fastify/package.json') as { version: string }).version
  const autocannon = (require('autocannon/package.json') as { version: string }).version
  return [
    `machine: ${cpu[0]?.model.trim() ?? 'unknown cpu'}, ${cpu.length} cores, node ${process.version}, fastify ${fastify}`,
    `load: autocannon ${autocannon}, ${settings.connections} connections, pipelining ${settings.pipelining}, ` +
      `warm-up ${settings.warmup} s, ${settings.duration} s measured, ${settings.rounds} rounds, interleaved`
  ].join('\n')
}

/** `a/b=0.97` with the ratio of median req/s to 2 decimals. */
export function ratio (samples: Map<string, Sample[]>, a: string, b: string): string {
  return `${a}/${b}=${(medianRps(samples, a) / medianRps(samples, b)).toFixed(2)}`
}

function format (rps: number): string {
  return Math.round(rps).toLocaleString('en-US')
}
