import Fastify from 'fastify'
import websocket from '@fastify/websocket'
import type WebSocket from 'ws'
import { test } from 'tap'
import endpointTable from '@kinds/endpoint-table'
import { build } from './support/app.ts'

/** The built-in table of webmgmt mounted on a plain Fastify app, reached with inject. */
async function mounted (t: Parameters<typeof build>[0]): Promise<{ app: Awaited<ReturnType<typeof build>>['app'], plain: ReturnType<typeof Fastify> }> {
  const { app } = await build(t)
  const plain = Fastify()
  await plain.register(websocket) // the app's own: the table reuses it, and injectWS comes with it
  await plain.register(endpointTable, { endpoints: app.http.configs._builtin.webmgmt!.endpoints! })
  t.teardown(() => plain.close())
  return { app, plain }
}

test('inject: /stats answers the flat JSON, /stats?feed the poller\'s view, /metrics Prometheus text', async t => {
  const { app, plain } = await mounted(t)
  app.stats.set('queue.depth', 4)
  const stats = await plain.inject('/stats')
  t.equal(stats.statusCode, 200)
  t.equal(stats.headers['content-type'], 'application/json')
  t.equal(stats.json()['queue.depth'], 4)
  const feed = await plain.inject('/stats?feed')
  t.ok(feed.json().gauges.includes('queue.depth'))
  const metrics = await plain.inject('/metrics')
  t.equal(metrics.statusCode, 200)
  t.match(metrics.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  t.match(metrics.body, /^kinds_queue_depth 4$/m)
  const head = await plain.inject({ method: 'HEAD', url: '/stats' })
  t.equal(head.statusCode, 200)
  t.equal(head.body, '', 'HEAD has no body')
})

test('inject: the page, and the /stats WebSocket through injectWS', async t => {
  const { app, plain } = await mounted(t)
  app.http.snippets.one = ['One', '<p>1</p>']
  const page = await plain.inject('/')
  t.equal(page.statusCode, 200)
  t.match(page.body, '<section id="one"><h2>One</h2>\n<p>1</p></section>')
  const messages: string[] = []
  let two: () => void = () => {}
  const received = new Promise<void>(resolve => { two = resolve })
  // Listening from onInit: the history is sent as soon as the socket opens.
  const ws = await plain.injectWS('/stats', {}, { onInit: (socket: WebSocket) => socket.on('message', (data: Buffer) => { if (messages.push(data.toString()) === 2) two() }) })
  await received
  ws.terminate()
  t.same(Object.keys(JSON.parse(messages[0]!) as object).sort(), ['gauges', 'history', 'interval', 'latencyBuckets'], 'the history first')
  t.same(Object.keys(JSON.parse(messages[1]!) as object).sort(), ['stats', 'time', 'workers'], 'then the ticks')
})
