// The soak (issue #8): a few minutes of mixed HTTP/1.1, HTTP/2 and WebSocket load on
// loopback while the tables are swapped, listeners opened and closed, and clients flood
// HTTP/2 HEADERS and vanish. Prints requests served, errors by status, the server's RSS
// and open fds at start, every 30 s and after the load. SOAK_SECONDS sets the length.
import { fork, spawn } from 'node:child_process'
import { once, type EventEmitter } from 'node:events'
import { readdirSync, readFileSync } from 'node:fs'
import tls from 'node:tls'
import { setTimeout as sleep } from 'node:timers/promises'
import autocannon from 'autocannon'
import WebSocket from 'ws'
import { frame } from '../packages/kind-router/test/support/h2-frames.ts'

const SECONDS = Number(process.env.SOAK_SECONDS ?? 180)
const REPORT_EVERY = 30

interface Report { served: number, byStatus: Record<string, number>, connections: number, swaps: number, opened: number, closed: number }

if (process.env.SOAK_ROLE === 'server') await server()
else await driver()

async function server (): Promise<void> {
  const { default: Fastify } = await import('fastify')
  const { default: kindRouter, routerOf } = await import('@kinds/kind-router')
  const { default: snippetsUi } = await import('@kinds/snippets-ui')
  const app = Fastify({ logger: false })
  await app.register(kindRouter, { socketActivation: false })
  await app.register(snippetsUi)
  const byStatus: Record<string, number> = {}
  let served = 0
  routerOf(app.http).requestObservers.add(({ status }) => {
    served++
    byStatus[status] = (byStatus[status] ?? 0) + 1
  })
  let generation = 0
  const table = (): Record<string, unknown> => ({
    '/': ['text/plain', `generation ${generation}`],
    '/json': ['application/json', () => ({ generation, time: Date.now() })],
    '/echo': ['text/plain', null, async (_h: unknown, ws: { receive: () => Promise<unknown>, send: (m: unknown) => Promise<boolean> }) => {
      for (let m = await ws.receive(); m !== null; m = await ws.receive()) await ws.send(m)
    }]
  })
  await app.http.config({ endpoints: table() as never, maxConnections: 2000 }, 'svc')
  const [svc] = await app.net.listen('127.0.0.1', 0, { kind: 'svc' })
  const [mgmt] = await app.net.listen('127.0.0.1', 0, { kind: 'webmgmt' })
  let swaps = 0
  let opened = 0
  let closed = 0
  // Table swaps every 2 s; an extra listener opened and closed every 5 s.
  const swapper = setInterval(() => {
    generation++
    app.http.config({ endpoints: table() as never, maxConnections: 2000 }, 'svc').then(() => swaps++, err => console.error(err))
  }, 2000)
  const churn = setInterval(() => {
    app.net.listen('127.0.0.1', 0, { kind: 'svc' }).then(async ([extra]) => {
      opened++
      await sleep(2500)
      await app.net.close('127.0.0.1', extra!.port)
      closed++
    }, err => console.error(err))
  }, 5000)
  process.on('message', (message: string) => {
    if (message === 'report') {
      const report: Report = { served, byStatus, connections: app.net.list().reduce((n, l) => n + l.connections, 0), swaps, opened, closed }
      process.send!(report)
    } else if (message === 'stop') {
      clearInterval(swapper)
      clearInterval(churn)
      app.close().then(() => process.exit(0), () => process.exit(1))
    }
  })
  process.send!({ svc: svc!.port, mgmt: mgmt!.port })
}

async function driver (): Promise<void> {
  const child = fork(new URL(import.meta.url).pathname, [], { env: { ...process.env, SOAK_ROLE: 'server' }, execArgv: ['--import', 'tsx'] })
  const [ports] = await once(child, 'message') as [{ svc: number, mgmt: number }]
  const report = async (): Promise<Report> => {
    child.send('report')
    const [r] = await once(child, 'message') as [Report]
    return r
  }
  const rssOf = (): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024
  const fdsOf = (): number => readdirSync(`/proc/${child.pid}/fd`).length
  let peakRss = 0
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, rssOf()) }, 500)
  const line = async (label: string): Promise<void> => {
    const r = await report()
    console.log(`${label.padEnd(10)} served ${String(r.served).padStart(9)}  status ${JSON.stringify(r.byStatus)}  RSS ${rssOf().toFixed(0)} MB (peak ${peakRss.toFixed(0)})  fds ${fdsOf()}  connections ${r.connections}  swaps ${r.swaps}  listeners opened/closed ${r.opened}/${r.closed}`)
  }
  await sleep(1000)
  console.log(`soak: ${SECONDS} s on 127.0.0.1 (svc :${ports.svc}, webmgmt :${ports.mgmt}), node ${process.version}`)
  await line('start')
  const t0 = Date.now()
  const deadline = t0 + SECONDS * 1000

  // HTTP/1.1: autocannon, 20 connections, plain bytes on the plain+TLS port.
  const h1Errors: Record<string, number> = {}
  const h1 = autocannon({ url: `http://127.0.0.1:${ports.svc}/json`, connections: 20, duration: SECONDS })
  // autocannon's types (bench/autocannon.d.ts) leave out the instance's events and the totals.
  ;(h1 as unknown as EventEmitter).on('response', (_client: unknown, status: number) => { if (status >= 400) h1Errors[status] = (h1Errors[status] ?? 0) + 1 })
  // HTTP/2 over TLS: h2load, 8 connections of 10 streams.
  const h2 = spawn('h2load', ['-D', String(SECONDS), '-c', '8', '-m', '10', `https://127.0.0.1:${ports.svc}/`], { stdio: ['ignore', 'pipe', 'pipe'] })
  let h2Out = ''
  h2.stdout.on('data', chunk => { h2Out += String(chunk) })
  const h2Done = once(h2, 'exit')
  // WebSocket: 50 clients echoing, reconnecting when a swap or a close cuts them; the /stats feed on webmgmt.
  let wsMessages = 0
  let wsOpened = 0
  const sockets = new Set<WebSocket>()
  const openEcho = (): void => {
    if (Date.now() > deadline) return
    const ws = new WebSocket(`ws://127.0.0.1:${ports.svc}/echo`)
    sockets.add(ws)
    ws.on('open', () => { wsOpened++; ws.send('ping') })
    ws.on('message', data => { wsMessages++; if (Date.now() < deadline) ws.send(data) })
    ws.on('error', () => {})
    ws.on('close', () => { sockets.delete(ws); setTimeout(openEcho, 100) })
  }
  for (let i = 0; i < 50; i++) openEcho()
  const feed = new WebSocket(`ws://127.0.0.1:${ports.mgmt}/stats`)
  feed.on('error', () => {})
  // Faults: every 10 s a TLS client floods 2,000 HEADERS frames and vanishes.
  let floods = 0
  const flooder = setInterval(() => { flood(ports.svc).then(() => floods++, () => {}) }, 10_000)

  while (Date.now() < deadline) {
    await sleep(Math.min(REPORT_EVERY * 1000, deadline - Date.now()))
    await line(`${Math.round((Date.now() - t0) / 1000)} s`)
  }
  clearInterval(flooder)
  const h1Result = await h1
  await h2Done
  for (const ws of sockets) ws.close()
  feed.close()
  await sleep(5000)
  await line('after')
  const h2Requests = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(h2Out)
  const h2Status = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(h2Out)
  console.log(`HTTP/1.1 (autocannon, 20 connections): ${(h1Result.requests as unknown as { total: number }).total} requests, ${h1Result.errors} errors, ${h1Result.non2xx} non-2xx ${JSON.stringify(h1Errors)}`)
  console.log(`HTTP/2 (h2load -c 8 -m 10): ${h2Requests?.[4] ?? '?'} succeeded, ${h2Requests?.[5] ?? '?'} failed, ${h2Requests?.[6] ?? '?'} errored; status ${h2Status?.slice(1).join('/') ?? '?'} (2xx/3xx/4xx/5xx)`)
  console.log(`WebSocket: ${wsOpened} opened, ${wsMessages} echoes; HEADERS floods survived: ${floods}; peak RSS ${peakRss.toFixed(0)} MB`)
  clearInterval(sampler)
  child.send('stop')
  await once(child, 'exit')
}

/** A TLS/h2 client that sends 2,000 HEADERS frames and vanishes once answered. */
async function flood (port: number): Promise<void> {
  const socket = tls.connect({ host: '127.0.0.1', port, ALPNProtocols: ['h2'], rejectUnauthorized: false })
  socket.on('error', () => {})
  await once(socket, 'secureConnect')
  const block = Buffer.from([0x82, 0x87, 0x84, 0x41, 0x09, ...Buffer.from('127.0.0.1')])
  const frames = [Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), frame(4, 0, 0, Buffer.alloc(0))]
  for (let i = 0; i < 2000; i++) frames.push(frame(1, 0x5, 1 + 2 * i, block))
  socket.write(Buffer.concat(frames))
  await Promise.race([once(socket, 'data'), sleep(2000)])
  socket.destroy()
}
