import { once } from 'node:events'
import net from 'node:net'
import { test } from 'tap'
import { agent, build, ephemeralCa, fetchText, serve } from './support/sockets.ts'
import { resources, until } from './support/h2-frames.ts'

const endpoints = { '/': ['text/plain', 'served'] } as const
const MAX = 5
const IDLE = 3 * MAX

for (const tls of [false, true, undefined]) {
  test(`idle connects that send nothing cannot lock out real clients: the oldest is evicted at maxConnections (tls: ${String(tls)})`, async t => {
    const { app, logs } = await build(t)
    const port = await serve(app, 'svc', { endpoints, maxConnections: MAX, ...(tls === undefined ? {} : { tls }) })
    const before = resources()
    const idle: net.Socket[] = []
    t.teardown(() => { for (const socket of idle) socket.destroy() })
    for (let i = 0; i < IDLE; i++) {
      const socket = net.connect(port, '127.0.0.1')
      socket.on('error', () => {})
      idle.push(socket)
      await once(socket, 'connect')
    }
    await until(() => app.net.list()[0]?.connections, n => n === MAX, 'the listener full of idle connects')
    const url = `${tls === true ? 'https' : 'http'}://127.0.0.1:${port}/`
    const client = agent(t, tls === true ? await ephemeralCa() : undefined)
    t.equal((await fetchText(url, client)).body, 'served', 'a real client is served though more idle connects came than maxConnections')
    t.ok(app.net.list()[0]!.connections <= MAX, 'never more than maxConnections open')
    t.ok(logs.some(line => line.msg === 'connection evicted: it sent nothing and the listener is full' && line.kind === 'svc'), 'a log line per eviction')
    await client.close()
    for (const socket of idle) socket.destroy()
    await until(() => app.net.list()[0]?.connections, n => n === 0, 'no connection left')
    const after = await until(resources, r => r.fds === before.fds && r.handles === before.handles && r.timers === before.timers, 'fds, handles and timers back to the baseline')
    t.comment(`fds ${before.fds} -> ${after.fds}, timers ${before.timers} -> ${after.timers}`)
  })
}
