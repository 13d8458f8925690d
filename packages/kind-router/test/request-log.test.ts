import { once } from 'node:events'
import { test } from 'tap'
import WebSocket from 'ws'
import { agent, build, fetchText, requestLines, serve, settles, type LogLine } from './support/sockets.ts'

/** Waits until `logs` holds a line `match` accepts (a hang guard, not a timing check). */
async function logged (logs: LogLine[], match: (line: LogLine) => boolean, what: string): Promise<LogLine> {
  return settles((async () => {
    for (;;) {
      const line = logs.find(match)
      if (line !== undefined) return line
      await new Promise(resolve => setTimeout(resolve, 10))
    }
  })(), what)
}

test('logs one info line per request with kind, method, path, status and ms', async t => {
  const { app, logs } = await build(t)
  const a = await serve(app, 'a', { endpoints: { '/x': ['text/plain', () => 'x'] } })
  const b = await serve(app, 'b', { endpoints: { '/y': ['text/plain', (h, stream) => stream.getBodyAsString()] } })
  const client = agent(t)
  await fetchText(`http://127.0.0.1:${a}/x?q=1`, client)
  await fetchText(`http://127.0.0.1:${a}/nothing`, client)
  await fetchText(`http://127.0.0.1:${b}/y`, client, { method: 'POST', body: 'hi' })
  await logged(logs, line => line.msg === 'request' && line.kind === 'b', 'the line of the last request')

  const lines = requestLines(logs)
  t.equal(lines.length, 3, 'one line per request')
  t.match(lines, [
    { level: 30, kind: 'a', method: 'GET', path: '/x?q=1', status: 200, ms: Number },
    { level: 30, kind: 'a', method: 'GET', path: '/nothing', status: 404, ms: Number },
    { level: 30, kind: 'b', method: 'POST', path: '/y', status: 200, ms: Number }
  ])
  t.ok(lines.every(line => (line.ms as number) >= 0), 'ms is a duration')
  t.notOk(logs.some(line => line.msg === 'incoming request' || line.msg === 'request completed'), 'not Fastify\'s two lines per request')
})

test('the logger of a kind carries the kind: handler, setup and WebSocket lines', async t => {
  const { app, logs } = await build(t)
  const port = await serve(app, 'svc', {
    endpoints: {
      '/note': ['text/plain', (_h, stream) => {
        stream.log.info('from the handler')
        return 'ok'
      }, async (_h, ws) => { await ws.send('hi') }],
      '/boom': ['text/plain', () => { throw new Error('handler broke') }]
    },
    setup: instance => { instance.log.info('from setup') }
  })
  await fetchText(`http://127.0.0.1:${port}/note`, agent(t))
  t.match(logs.find(line => line.msg === 'from the handler'), { kind: 'svc', level: 30 }, 'a handler\'s log line')
  t.match(logs.find(line => line.msg === 'from setup'), { kind: 'svc' }, 'a setup log line')

  t.equal((await fetchText(`http://127.0.0.1:${port}/boom`, agent(t))).status, 500)
  const failure = await logged(logs, line => line.level >= 50 && JSON.stringify(line).includes('handler broke'), 'the error line')
  t.match(failure, { kind: 'svc', err: { stack: /handler broke/ } }, 'a handler error at error level with the stack')

  const ws = new WebSocket(`ws://127.0.0.1:${port}/note`)
  await settles(once(ws, 'close'), 'the WebSocket closing')
  t.match(await logged(logs, line => line.msg === 'websocket open', 'websocket open'), { kind: 'svc', path: '/note' })
  t.match(await logged(logs, line => line.msg === 'websocket closed', 'websocket closed'), { kind: 'svc', path: '/note', code: 1000 })
})
