// pnpm bench:fanout [--clients 10000] [--duration 10]
// 10,000 WebSocket clients on webmgmt's /stats, the server in a process of its own sending one
// update a second. Prints the server's CPU time per tick and its CPU share (from /proc), its RSS
// (from its own /stats) and the delay from a tick's `time` to its receipt by each client, at the
// median, 99th percentile and worst, over the ticks stamped within the measured window.
import { parseArgs } from 'node:util'
import { cpus } from 'node:os'
import WebSocket from 'ws'
import { request } from 'undici'
import { cpuSeconds } from './lib/cpu.ts'
import { percentile } from './lib/sample.ts'
import { startNodeServer } from './lib/server-process.ts'

const { values } = parseArgs({ options: { clients: { type: 'string', default: '10000' }, duration: { type: 'string', default: '10' } } })
const clients = Number(values.clients)
const duration = Number(values.duration)
if (!Number.isInteger(clients) || clients <= 0) throw new Error(`--clients must be a positive integer, got ${values.clients}`)
if (!Number.isInteger(duration) || duration <= 0) throw new Error(`--duration must be a positive integer, got ${values.duration}`)

/** A frame starts with `{"time":<ms>,`: read that instead of parsing every message. */
const TIME = /^\{"time":(\d+),/

interface ServerStats { rss: number, open: number }

async function serverStats (base: string): Promise<ServerStats> {
  const res = await request(`${base}/stats`)
  const s = await res.body.json() as Record<string, number>
  return { rss: s['process.rss']!, open: s['websocket.open']! }
}

/** What the clients saw while counting: each tick's `time` (ms since the epoch) and its delay, in pairs. */
interface Seen { times: number[], delays: number[] }

function connect (url: string, seen: Seen, counting: { on: boolean }): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false })
    ws.on('message', (data: Buffer) => {
      if (!counting.on) return
      const match = TIME.exec(data.toString('latin1', 0, 32))
      if (match === null) return
      const time = Number(match[1])
      seen.times.push(time)
      seen.delays.push(Date.now() - time)
    })
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

const server = await startNodeServer('webmgmt', 'webmgmt.ts')
const base = `http://127.0.0.1:${server.port}`
const sockets: WebSocket[] = []
try {
  const idle = await serverStats(base)
  const seen: Seen = { times: [], delays: [] }
  const counting = { on: false }
  const started = Date.now()
  for (let i = 0; i < clients; i += 500) {
    const batch = Array.from({ length: Math.min(500, clients - i) }, () => connect(`ws://127.0.0.1:${server.port}/stats`, seen, counting))
    sockets.push(...await Promise.all(batch))
  }
  console.log(`${sockets.length} clients connected in ${((Date.now() - started) / 1000).toFixed(1)} s; idle server RSS ${(idle.rss / 2 ** 20).toFixed(1)} MiB`)
  // Two ticks to settle, then the measured window.
  await new Promise(resolve => setTimeout(resolve, 2000))
  // The window: the ticks stamped within it count, with their receipts up to 5 s after it; the
  // server's CPU time is read from /proc at its two ends (the driver's /stats reads stay out).
  counting.on = true
  const from = Date.now()
  const cpuBefore = cpuSeconds(server.pid)
  const t0 = process.hrtime.bigint()
  await new Promise(resolve => setTimeout(resolve, duration * 1000))
  const cpu = cpuSeconds(server.pid) - cpuBefore
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  const to = Date.now()
  await new Promise(resolve => setTimeout(resolve, 5000))
  counting.on = false
  const after = await serverStats(base)
  const inWindow = seen.delays.filter((_, i) => seen.times[i]! >= from && seen.times[i]! < to)
  const ticks = new Set(seen.times.filter(time => time >= from && time < to)).size
  const sorted = inWindow.sort((a, b) => a - b)
  const expected = sockets.length * ticks
  console.log('| clients | ticks | messages received / expected | server CPU per tick | server CPU (one core) | server RSS | tick→receipt p50 | p99 | max |')
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  console.log(`| ${after.open} | ${ticks} | ${sorted.length} / ${expected} | ${(cpu / ticks * 1000).toFixed(0)} ms | ${(cpu / wall * 100).toFixed(1)} % | ` +
    `${(after.rss / 2 ** 20).toFixed(1)} MiB | ${percentile(sorted, 50)} ms | ${percentile(sorted, 99)} ms | ${sorted[sorted.length - 1] ?? Number.NaN} ms |`)
  console.log(`machine: ${cpus()[0]?.model.trim() ?? 'unknown cpu'}, ${cpus().length} cores, node ${process.version}; clients and server in two processes`)
} catch (err) {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
} finally {
  for (const ws of sockets) ws.terminate()
  await server.stop()
}
