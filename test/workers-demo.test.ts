// The demo as the README's "Several workers" starts it: WORKERS=2 runs the seed chapter in two
// workers on the same ports, both answer /service, webmgmt lists both, SIGTERM exits 0.
import t, { test } from 'tap'
import { get } from 'node:http'
import { freePort, settles, startChild } from '../packages/kind-router/test/support/child.ts'

t.setTimeout(120_000)

function fetchFresh (port: number, path: string): Promise<string> {
  return settles(new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', chunk => { body += chunk })
      res.on('end', () => resolve(body))
    }).on('error', reject)
  }), `GET ${path}`, 10_000)
}

test('WORKERS=2 runs the demo in two workers sharing its ports, and SIGTERM to it exits 0', async t => {
  const [webmgmt, service] = [await freePort(), await freePort()]
  const demo = startChild(t, process.execPath, ['--import', 'tsx', 'examples/seed-chapter/index.ts'], { WORKERS: '2', HOST: '127.0.0.1', WEBMGMT_PORT: String(webmgmt), SERVICE_PORT: String(service), DRAIN_DELAY: '0' })
  const serving = (): number[] => [...new Set(demo.lines.filter(l => typeof l.msg === 'string' && l.msg.startsWith('myservice on ')).map(l => l.pid as number))]
  await demo.line(() => serving().length >= 2, 'two workers serving myservice', 60_000)
  t.same(JSON.parse(await fetchFresh(service, '/service')), { key: '/service', value: 42 }, 'the seed\'s /service answers')
  for (let i = 0; i < 20; i++) await fetchFresh(service, '/service')
  type Poll = { stats: Record<string, number>, workers: Array<{ pid: number, status: string }> }
  let poll = JSON.parse(await fetchFresh(webmgmt, '/stats?feed')) as Poll
  // A request is counted when its response has gone: the last one may be a moment behind.
  for (let i = 0; i < 20 && poll.stats['kind.myservice.request.total'] !== 21; i++) {
    await new Promise(resolve => setTimeout(resolve, 100))
    poll = JSON.parse(await fetchFresh(webmgmt, '/stats?feed')) as Poll
  }
  t.same(poll.workers.map(w => w.pid).sort(), serving().sort(), 'webmgmt lists both workers')
  t.equal(poll.stats['kind.myservice.request.total'], 21, 'and counts the requests of both')
  demo.process.kill('SIGTERM')
  t.same(await settles(demo.exited, 'the demo exiting', 30_000), { code: 0, signal: null }, 'exit code 0')
  t.notMatch(demo.stderr(), /Error/, 'no error printed')
})
