// Issue #8: 1,000 slow readers on /metrics must not delay the listener's other clients by more than
// 100 ms p99. Each slow reader pipelines `--scrapes` GET /metrics and never reads; meanwhile a probe
// sends GET /stats one after the other on a keep-alive connection of its own. Prints the probe's latencies and the
// server's CPU time, for metricsMaxAge 1000 (the default) and 0 (a render per scrape, as before).
import net from 'node:net'
import { spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { request } from 'undici'
import { startNodeServer } from './lib/server-process.ts'

const readers = Number(process.argv.find(a => a.startsWith('--readers='))?.split('=')[1] ?? 1000)
const scrapes = Number(process.argv.find(a => a.startsWith('--scrapes='))?.split('=')[1] ?? 10)
const seconds = Number(process.argv.find(a => a.startsWith('--duration='))?.split('=')[1] ?? 5)
const maxAges = (process.argv.find(a => a.startsWith('--max-age='))?.split('=')[1] ?? '1000,0').split(',').map(Number)
/** `--cpu-prof=DIR`: the server writes a CPU profile there when it stops. */
const profileDir = process.argv.find(a => a.startsWith('--cpu-prof='))?.split('=')[1]

/** The server's own CPU seconds, from its /stats. */
async function cpuSeconds (base: string): Promise<number> {
  const stats = await (await request(`${base}/stats`)).body.json() as Record<string, number>
  return (stats['process.cpu.user'] ?? Number.NaN) + (stats['process.cpu.system'] ?? Number.NaN)
}

/** GET /stats one after the other on one keep-alive connection for argv[2] ms; prints the latencies as JSON. */
const PROBE = `
import net from 'node:net'
import { once } from 'node:events'
const socket = net.connect(Number(process.argv[1]), '127.0.0.1')
await once(socket, 'connect')
const latencies = []
const end = Date.now() + Number(process.argv[2])
while (Date.now() < end) {
  const start = performance.now()
  socket.write('GET /stats HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n\\r\\n')
  let answer = ''
  while (!/\\r\\n\\r\\n[\\s\\S]*\\}$/.test(answer)) answer += String((await once(socket, 'data'))[0])
  latencies.push(performance.now() - start)
  await new Promise(resolve => setTimeout(resolve, 20))
}
process.stdout.write(JSON.stringify(latencies))
process.exit(0)
`

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN
}

async function run (maxAge: number): Promise<void> {
  process.env.METRICS_MAX_AGE = String(maxAge)
  const server = await startNodeServer(`webmgmt metricsMaxAge=${maxAge}`, 'webmgmt.ts', { nodeFlags: profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir] })
  const base = `http://127.0.0.1:${server.port}`
  const cpuBefore = await cpuSeconds(base)
  const sockets: net.Socket[] = []
  // The probe runs in a process of its own, so that the readers' sockets do not hold up its event loop.
  const probe = spawn(process.execPath, ['--input-type=module', '-e', PROBE, String(server.port), String(seconds * 1000)], { stdio: ['ignore', 'pipe', 'inherit'] })
  const probeOutput = (async () => {
    let out = ''
    for await (const chunk of probe.stdout) out += String(chunk)
    return JSON.parse(out) as number[]
  })()
  // Connected before the readers come, so that its figures are the server's, not the accept queue's.
  await sleep(500)
  const wave = 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'.repeat(scrapes)
  for (let i = 0; i < readers; i++) {
    const socket = net.connect(server.port, '127.0.0.1')
    socket.on('error', () => {})
    socket.once('data', () => socket.pause())
    socket.write(wave)
    sockets.push(socket)
  }
  const latencies = (await probeOutput).sort((a, b) => a - b)
  for (const s of sockets) s.destroy()
  const cpu = await cpuSeconds(base) - cpuBefore
  await server.stop()
  console.log(`metricsMaxAge=${maxAge}: ${readers} slow readers x ${scrapes} scrapes; probe GET /stats n=${latencies.length} p50=${percentile(latencies, 0.5).toFixed(1)} ms p99=${percentile(latencies, 0.99).toFixed(1)} ms max=${latencies[latencies.length - 1]!.toFixed(1)} ms; server CPU ${cpu.toFixed(2)} s in ${seconds} s`)
}

for (const maxAge of maxAges) await run(maxAge)
