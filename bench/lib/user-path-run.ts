import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { cpuSeconds } from './cpu.ts'
import type { BenchFlags } from './flags.ts'
import { startKresd } from './kresd.ts'
import { checkLoad, runLoad, urlFor } from './loads.ts'
import type { Row } from './rows.ts'
import type { Sample } from './sample.ts'
import { startNodeServer, type ServerProcess } from './server-process.ts'

export interface RunContext {
  flags: BenchFlags
  /** `BENCH_CERT`, `BENCH_KEY` of the run's certificate. */
  certEnv: Record<string, string>
  /** Where `--profile` puts the servers' CPU profiles. */
  profileDir?: string
}

export interface RunResult {
  samples: Map<string, Sample[]>
  /** What the check saw negotiated per row (TLS version and cipher, h2 or h2c). */
  negotiated: Map<string, string>
  /** Written CPU profiles, by row and round. */
  profiles: string[]
}

function start (row: Row, round: number, context: RunContext): Promise<ServerProcess> {
  const env = { ...context.certEnv, ...row.server.env }
  if (row.server.type === 'kresd') return startKresd(row.name, env)
  const nodeFlags = context.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDirOf(row, round, context.profileDir)}`]
  return startNodeServer(row.name, row.server.file, { env, nodeFlags })
}

function profileDirOf (row: Row, round: number, base: string): string {
  return join(base, `${row.name.replace(/[^a-z0-9]+/gi, '-')}-round${round}`)
}

/** A round whose load generator failed: no figure, one failure, the run goes on. */
const failed: Sample = { rps: Number.NaN, p99: Number.NaN, requests: 0, failures: 1, cpuUs: Number.NaN }

/**
 * Every row in turn, one server process at a time, `rounds` times, interleaved (a, b, c, a, b,
 * c, ...), each on a freshly started server: checked, warmed up (not counted), then measured
 * with the server's CPU time read from /proc around the measured run.
 */
export async function runUserPath (rows: Row[], context: RunContext): Promise<RunResult> {
  const { flags } = context
  const samples = new Map<string, Sample[]>(rows.map(row => [row.name, []]))
  const negotiated = new Map<string, string>()
  const profiles: string[] = []
  for (let round = 1; round <= flags.rounds; round++) {
    for (const row of rows) {
      if (context.profileDir !== undefined) await mkdir(profileDirOf(row, round, context.profileDir), { recursive: true })
      const server = await start(row, round, context)
      let sample = failed
      try {
        const url = urlFor(row.load, server.port)
        const seen = await checkLoad(row.load, row.name, url)
        if (seen !== undefined) negotiated.set(row.name, seen)
        let cpuBefore = Number.NaN
        let cpuAfter = Number.NaN
        const window = { begin: () => { cpuBefore = cpuSeconds(server.pid) }, end: () => { cpuAfter = cpuSeconds(server.pid) } }
        try {
          const result = await runLoad(row.load, url, flags, window)
          sample = { ...result, cpuUs: (cpuAfter - cpuBefore) / result.requests * 1e6 }
        } catch (err) {
          process.stderr.write(`round ${round}/${flags.rounds} ${row.name}: the load failed, no figure this round: ${err instanceof Error ? err.message : String(err)}\n`)
        }
      } finally {
        await server.stop()
      }
      samples.get(row.name)!.push(sample)
      if (context.profileDir !== undefined) {
        const dir = profileDirOf(row, round, context.profileDir)
        // CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile: thread 0 is the server, the others are tsx's loader.
        for (const file of await readdir(dir)) if (/\.\d+\.0\.\d+\.cpuprofile$/.test(file)) profiles.push(join(dir, file))
      }
      const warning = sample.failures > 0 ? `, ${sample.failures} errors or non-2xx` : ''
      process.stderr.write(`round ${round}/${flags.rounds} ${row.name}: ${Math.round(sample.rps)} req/s, p99 ${sample.p99.toFixed(2)} ms, ` +
        `server CPU ${sample.cpuUs.toFixed(1)} µs/req${warning}\n`)
    }
  }
  return { samples, negotiated, profiles }
}
