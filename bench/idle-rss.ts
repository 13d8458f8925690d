// The target: an idle process with three kinds under 100 MB RSS. The server is compiled
// to plain JavaScript first, so the figure is the program's, not the TypeScript loader's.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { build } from 'esbuild'

const outfile = join(process.cwd(), 'bench', 'servers', '.three-kinds.mjs')
await build({ entryPoints: ['bench/servers/three-kinds.ts'], outfile, format: 'esm', platform: 'node', logLevel: 'error' })
const child = spawn(process.execPath, [outfile], { stdio: ['ignore', 'pipe', 'inherit'] })
await once(child.stdout, 'data')
const samples: number[] = []
for (let i = 0; i < 10; i++) {
  await sleep(1000)
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
  samples.push(Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024)
}
child.kill('SIGTERM')
await once(child, 'exit')
await rm(outfile, { force: true })
const last = samples[samples.length - 1]!
// The target is in MB (10^6 bytes): 100 MB is 95.4 MiB.
const mb = (mib: number): string => (mib * 2 ** 20 / 1e6).toFixed(1)
console.log(`three kinds listening, idle 10 s: RSS ${last.toFixed(1)} MiB = ${mb(last)} MB (max ${Math.max(...samples).toFixed(1)} MiB), ` +
  `target < 100 MB, node ${process.version}`)
