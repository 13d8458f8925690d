// pnpm bench [--rounds 3] [--duration 5] [--warmup 5] [--connections 50] [--streams 10] [--threads 1] [--only=a,c] [--profile] [--no-pin]
// The kind path users take (register(kindRouter), http.config, net.listen) against the matching
// plain Fastify server, every row in its own process, loaded by wrk, h2load or a WebSocket client
// in another, interleaved rounds, medians; the last lines are the ratios. bench/README.md says more.
import { mkdtemp } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCertificate } from './lib/certificate.ts'
import { benchFlags } from './lib/flags.ts'
import { kresdAvailable, kresdVersion } from './lib/kresd.ts'
import { pinTo } from './lib/pin.ts'
import { describeSteadiness, steadiness } from './lib/steadiness.ts'
import { selectRatios, selectRows, toolOf } from './lib/rows.ts'
import { H2LOAD, WRK, install, toolVersion } from './lib/tools.ts'
import { legend, machine, ratioLines, table } from './lib/user-path-report.ts'
import { runUserPath } from './lib/user-path-run.ts'

const flags = benchFlags()
const pinning = pinTo(flags.pin)
const loadAtStart = loadavg()
const tools: Record<string, string | undefined> = {
  wrk: toolVersion(WRK, ['--version'])?.replace(/ Copyright.*$/, ''),
  h2load: toolVersion(H2LOAD, ['--version']),
  kresd: kresdAvailable() ? kresdVersion() : undefined
}

// A row whose tool is missing is skipped with a message, and so are the ratios that need it.
const skipped = new Map<string, string>()
const rows = selectRows(flags.only).filter(row => {
  const tool = row.server.type === 'kresd' && tools.kresd === undefined ? 'kresd' : toolOf(row)
  if (tool === undefined || tools[tool] !== undefined) return true
  skipped.set(row.name, `${tool} missing`)
  process.stderr.write(`skip ${row.name}: ${tool} not found (${install[tool]})\n`)
  return false
})
const ratios = selectRatios(flags.only)

const certificate = await runCertificate()
try {
  const before = await steadiness()
  const profileDir = flags.profile ? await mkdtemp(join(tmpdir(), 'kinds-bench-prof-')) : undefined
  const { samples, negotiated, profiles } = await runUserPath(rows, { flags, certEnv: certificate.env, ...profileDir === undefined ? {} : { profileDir } })
  console.log(table(rows, samples, flags))
  console.log(legend(rows))
  for (const [name, seen] of negotiated) console.log(`  ${name} negotiated: ${seen}`)
  console.log(machine(flags, tools, loadAtStart, pinning))
  console.log(describeSteadiness('before the run', before))
  console.log(describeSteadiness('after the run', await steadiness()))
  if (profileDir !== undefined) {
    console.log(`cpu profiles (open in Chrome DevTools > Performance, or speedscope): ${profileDir}`)
    for (const file of profiles) console.log(`  ${file}`)
  }
  for (const line of ratioLines(ratios, samples, skipped)) console.log(line)
} catch (err) {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
} finally {
  await certificate.remove()
}
