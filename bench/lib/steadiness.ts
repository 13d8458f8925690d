import { spawn } from 'node:child_process'
import { asServer } from './pin.ts'

// Two fixed pieces of work, each timed TRIES times in one process on the servers' CPU: integer
// arithmetic (nothing allocated, no GC), and random reads over a 32 MiB array (a pointer chase:
// each read waits on the memory system, which the host's other tenants share). Same work, same
// code: any spread between the tries is the machine's, not a server's.
const TRIES = 20
const WORK = `
const n = 1 << 23
const a = new Int32Array(n)
for (let i = 0; i < n; i++) a[i] = i
for (let i = n - 1; i > 0; i--) { const j = (Math.random() * (i + 1)) | 0; const t = a[i]; a[i] = a[j]; a[j] = t }
const arithmetic = []
const memory = []
let x = 0
let p = 0
for (let t = 0; t <= ${TRIES}; t++) {
  let start = process.hrtime.bigint()
  for (let i = 0; i < 2e7; i++) x = (x * 31 + i) | 0
  if (t > 0) arithmetic.push(Number(process.hrtime.bigint() - start) / 1e6)
  start = process.hrtime.bigint()
  for (let i = 0; i < 5e5; i++) p = a[p]
  if (t > 0) memory.push(Number(process.hrtime.bigint() - start) / 1e6)
}
console.log(JSON.stringify({ arithmetic, memory, unused: (x & p) & 0 }))
`

/** Milliseconds per try, fastest and slowest, of each kind of work. */
export interface Steadiness {
  arithmetic: { min: number, max: number }
  memory: { min: number, max: number }
}

function range (times: number[]): { min: number, max: number } {
  return { min: Math.min(...times), max: Math.max(...times) }
}

/** Times the fixed work on the servers' CPU (the first try, JIT warm-up, is not counted). */
export function steadiness (): Promise<Steadiness> {
  return new Promise((resolve, reject) => {
    const child = spawn(...asServer(process.execPath, ['-e', WORK]), { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', chunk => { out += chunk })
    child.once('error', reject)
    child.once('close', code => {
      if (code !== 0) return reject(new Error(`the steadiness probe exited with ${code}`))
      const { arithmetic, memory } = JSON.parse(out) as { arithmetic: number[], memory: number[] }
      resolve({ arithmetic: range(arithmetic), memory: range(memory) })
    })
  })
}

function spread ({ min, max }: { min: number, max: number }): string {
  return `${min.toFixed(0)}–${max.toFixed(0)} ms a try (slowest ${Math.round((max / min - 1) * 100)} % over fastest)`
}

/** One line: how much the same fixed work varied, before or after the run. */
export function describeSteadiness (when: string, s: Steadiness): string {
  return `machine steadiness ${when}, ${TRIES} tries of the same work on the servers' CPU: ` +
    `arithmetic ${spread(s.arithmetic)}; random reads over 32 MiB ${spread(s.memory)}`
}
