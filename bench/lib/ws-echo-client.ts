// The WebSocket load generator, a process of its own (started by lib/ws-echo.ts):
// `node --import tsx bench/lib/ws-echo-client.ts --url ws://... --connections 50 --warmup 2 --duration 5`.
// Each connection sends a text message, waits for its echo, and sends the next: first for
// `warmup` seconds (not counted), then for `duration` seconds. It prints `measuring` and
// `measured` around the measured seconds, then one JSON line: { rps, p99, requests, failures }
// (echoes per second, p99 round trip in ms, echoes, closes and wrong echoes).
import { parseArgs } from 'node:util'
import WebSocket from 'ws'
import { p99 } from './sample.ts'

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    connections: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '2' },
    duration: { type: 'string', default: '5' }
  }
})
const url = values.url
const connections = Number(values.connections)
const warmup = Number(values.warmup)
const duration = Number(values.duration)
if (url === undefined || !/^wss?:\/\//.test(url)) throw new Error('--url must be a ws:// or wss:// URL')
if (!Number.isInteger(connections) || connections <= 0) throw new Error(`--connections must be a positive integer, got ${values.connections}`)
if (!(warmup >= 0)) throw new Error(`--warmup must be 0 or more, got ${values.warmup}`)
if (!(duration > 0)) throw new Error(`--duration must be positive, got ${values.duration}`)

const MESSAGE = 'echo echo echo echo echo echo 32'

/** What the measured seconds count; the warm-up counts into a copy that is thrown away. */
interface Tally { latencies: number[], failures: number }

function open (): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url!, { perMessageDeflate: false })
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

/** One connection's ping-pong until `deadline` (hrtime, ns); a close before it counts as a failure. */
function pingPong (ws: WebSocket, deadline: bigint, tally: Tally): Promise<void> {
  return new Promise(resolve => {
    if (ws.readyState !== WebSocket.OPEN) {
      tally.failures++
      resolve()
      return
    }
    let sent = 0n
    const finish = (): void => {
      ws.off('message', onMessage)
      ws.off('close', onClose)
      resolve()
    }
    const send = (): void => {
      sent = process.hrtime.bigint()
      if (sent >= deadline) finish()
      else ws.send(MESSAGE)
    }
    const onMessage = (data: Buffer, isBinary: boolean): void => {
      if (isBinary || data.toString() !== MESSAGE) tally.failures++
      else tally.latencies.push(Number(process.hrtime.bigint() - sent) / 1e6)
      send()
    }
    const onClose = (): void => {
      tally.failures++
      finish()
    }
    ws.on('message', onMessage)
    ws.once('close', onClose)
    send()
  })
}

async function phase (sockets: WebSocket[], seconds: number, tally: Tally): Promise<number> {
  const start = process.hrtime.bigint()
  const deadline = start + BigInt(Math.round(seconds * 1e9))
  await Promise.all(sockets.map(ws => pingPong(ws, deadline, tally)))
  return Number(process.hrtime.bigint() - start) / 1e9
}

const sockets = await Promise.all(Array.from({ length: connections }, open))
for (const ws of sockets) ws.on('error', () => {})
if (warmup > 0) await phase(sockets, warmup, { latencies: [], failures: 0 })
const measured: Tally = { latencies: [], failures: 0 }
process.stdout.write('measuring\n')
const seconds = await phase(sockets, duration, measured)
process.stdout.write('measured\n')
await Promise.all(sockets.map(ws => new Promise(resolve => {
  ws.once('close', resolve)
  ws.close(1000)
  setTimeout(() => ws.terminate(), 2000).unref()
})))
const { latencies, failures } = measured
process.stdout.write(`${JSON.stringify({ rps: latencies.length / seconds, p99: p99(latencies), requests: latencies.length, failures })}\n`)
