import tap, { test } from 'tap'
import net from 'node:net'
import { once } from 'node:events'
import { gunzipSync } from 'node:zlib'
import { performance } from 'node:perf_hooks'
import { Registry } from 'prom-client'
import { request } from 'undici'
import { build, get } from './support/app.ts'

// A thousand sockets take long on a loaded two-core machine: room beyond tap's 60 s.
tap.setTimeout(120_000)

/** A registry whose renders are counted: the CPU work of a scrape. */
function countedRegistry (): { registry: Registry, renders: () => number } {
  const registry = new Registry()
  const metrics = registry.metrics.bind(registry)
  let renders = 0
  registry.metrics = async () => {
    renders++
    return await metrics()
  }
  return { registry, renders: () => renders }
}

async function until (condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!condition()) {
    if (Date.now() > end) throw new Error(`${what} never happened`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

test('renders /metrics at most once a second for a thousand slow readers, serving the listener\'s other clients meanwhile', async t => {
  const { registry, renders } = countedRegistry()
  const { webmgmt } = await build(t, { registry })
  const port = Number(new URL(webmgmt).port)
  const started = performance.now()
  const sockets: net.Socket[] = []
  t.teardown(() => { for (const s of sockets) s.destroy() })
  let answered = 0
  for (let i = 0; i < 1000; i++) {
    const socket = net.connect(port, '127.0.0.1')
    socket.on('error', () => {})
    // A slow reader: it reads the first bytes of the answer, then stops reading.
    socket.once('data', () => { answered++; socket.pause() })
    socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    sockets.push(socket)
    if (i % 100 === 99) {
      const other = await get(`${webmgmt}/stats`)
      t.equal(other.status, 200, `another client of the listener is served with ${i + 1} readers on /metrics`)
    }
  }
  await until(() => answered === 1000, 'an answer to every slow reader')
  const seconds = (performance.now() - started) / 1000
  const bound = 1 + Math.ceil(seconds)
  t.ok(renders() <= bound, `${renders()} renders for 1000 scrapes in ${seconds.toFixed(2)} s: at most one per second (${bound})`)
  t.equal((await get(`${webmgmt}/`)).status, 200, 'the page is served while they hold their sockets')
})

test('concurrent scrapers share one render', async t => {
  const { registry, renders } = countedRegistry()
  const { webmgmt } = await build(t, { registry })
  const bodies = await Promise.all(Array.from({ length: 50 }, async () => (await get(`${webmgmt}/metrics`)).body))
  t.ok(renders() <= 2, `50 scrapes at once cost ${renders()} render(s)`)
  t.equal(new Set(bodies).size <= renders(), true, 'each scraper got a rendered text')
  t.match(bodies[0], /^# HELP /m, 'Prometheus text')
})

test('gzips /metrics when the scraper accepts gzip, as Prometheus does', async t => {
  const { webmgmt } = await build(t)
  const plain = await get(`${webmgmt}/metrics`)
  const res = await request(`${webmgmt}/metrics`, { headers: { 'accept-encoding': 'gzip' } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-encoding'], 'gzip')
  t.match(res.headers.vary, /accept-encoding/i, 'caches are told the answer depends on accept-encoding')
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const body = Buffer.from(await res.body.arrayBuffer())
  t.equal(gunzipSync(body).toString(), plain.body, 'the same text as the uncompressed answer of the same render')
  t.ok(body.length < plain.body.length / 3, `${body.length} bytes instead of ${plain.body.length}`)

  const refused = await request(`${webmgmt}/metrics`, { headers: { 'accept-encoding': 'gzip;q=0, identity' } })
  t.equal(refused.headers['content-encoding'], undefined, 'gzip;q=0 gets the text as is')
  t.match(await refused.body.text(), /^# HELP /m)
  const head = await request(`${webmgmt}/metrics`, { method: 'HEAD', headers: { 'accept-encoding': 'gzip' } })
  t.equal(head.headers['content-encoding'], 'gzip', 'HEAD says what GET would send')
  await head.body.dump()
})

test('metricsMaxAge 0 renders every scrape; a bad metricsMaxAge is refused', async t => {
  const { registry, renders } = countedRegistry()
  const { webmgmt } = await build(t, { registry, metricsMaxAge: 0 })
  for (let i = 0; i < 3; i++) await get(`${webmgmt}/metrics`)
  t.equal(renders(), 3, 'three scrapes one after the other, three renders')
  for (const metricsMaxAge of [-1, 1.5, '1000']) {
    await t.rejects(build(t, { metricsMaxAge: metricsMaxAge as number }), { code: 'KINDS_ERR_UI_OPTION', message: /metricsMaxAge/ })
  }
})

test('a socket closed mid-scrape leaves the cache serving', async t => {
  const { webmgmt } = await build(t)
  const port = Number(new URL(webmgmt).port)
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n\r\n')
  socket.destroy()
  t.equal((await get(`${webmgmt}/metrics`)).status, 200)
})
