// Several workers (runWorkers from @kinds/kind-router/cluster), as real processes on real sockets:
// the workers share one port, /stats, its feed and /metrics are the sums over them whichever
// worker answers, a killed worker shows dead and comes back, SIGTERM to the primary stops all.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { lstatSync } from 'node:fs'
import { get, type RequestOptions } from 'node:http'
import { join } from 'node:path'
import t, { test } from 'tap'
import WebSocket from 'ws'
import { settles, startChild, type Child } from '../packages/kind-router/test/support/child.ts'
import { tempDir } from '../packages/kind-router/test/support/sockets.ts'

// Starting a cluster of tsx processes takes seconds on a loaded machine.
t.setTimeout(120_000)

const fixture = 'test/fixtures/workers-app.ts'

interface Started { child: Child, workers: number[], service: number | string, webmgmt: number }

/** The fixture with `workers` workers, once each of them printed its ports. */
async function startCluster (t: Parameters<typeof startChild>[0], env: NodeJS.ProcessEnv = {}): Promise<Started> {
  const child = startChild(t, process.execPath, ['--import', 'tsx', fixture], { WORKERS: '2', ...env })
  const count = Number(env.WORKERS ?? 2)
  await child.line(() => child.lines.filter(l => typeof l.worker === 'number').length >= count, `${count} workers listening`, 60_000)
  const lines = child.lines.filter(l => typeof l.worker === 'number')
  return { child, workers: lines.map(l => l.worker as number), service: lines[0]!.service as number | string, webmgmt: lines[0]!.webmgmt as number }
}

/** A GET on a connection of its own, so that any worker may take it; cut after `ms` without an answer. */
function fetchFresh (target: RequestOptions, ms = 10_000): Promise<{ status: number, body: string }> {
  return settles(new Promise((resolve, reject) => {
    const req = get({ ...target, agent: false }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', chunk => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    }).on('error', reject)
    req.setTimeout(ms, () => req.destroy(new Error('no answer')))
  }), `GET ${target.path ?? '/'}`, ms + 1000)
}

const webmgmtGet = (port: number, path: string): Promise<{ status: number, body: string }> => fetchFresh({ host: '127.0.0.1', port, path })

interface Row { pid: number, status: string, worker?: number, rss: number, uptime: number }
/** Up: 'ok', or 'busy' (its loop held up over 100 ms, as at a worker's start on a loaded machine); not 'dead'. */
function up (row: Row): boolean {
  return row.status === 'ok' || row.status === 'busy'
}

/**
 * The rows of the Instances table. A connection the primary hands to a worker in the
 * moment it is killed is lost with it (Node's cluster): such a read is cut and asked again.
 */
async function instances (webmgmt: number): Promise<Row[]> {
  const res = await fetchFresh({ host: '127.0.0.1', port: webmgmt, path: '/stats?feed' }, 2000).catch(() => undefined)
  return res === undefined ? [] : (JSON.parse(res.body) as { workers: Row[] }).workers
}

/** Asks until `check` holds (or 20 s passed): the value it last saw. */
async function until<T> (read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const end = Date.now() + 20_000
  let value = await read()
  for (let i = 0; i < 300 && !check(value) && Date.now() < end; i++) {
    await new Promise(resolve => setTimeout(resolve, 50))
    value = await read()
  }
  return value
}

function sample (text: string, series: string): number | undefined {
  const line = text.split('\n').find(l => l.startsWith(series + ' '))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

const REQUESTS = 40
const TOTAL = 'kinds_http_requests_total{kind="myservice",method="GET",route="/service",status_code="200"}'
const COUNT = 'kinds_http_request_duration_seconds_count{kind="myservice",method="GET",route="/service"}'

test('two workers', async t => {
  const { child, workers, service, webmgmt } = await startCluster(t, { RESTART_DELAY: '1500' })
  t.equal(new Set(workers).size, 2, 'two worker processes')
  t.equal(child.lines.filter(l => typeof l.worker === 'number').map(l => l.service).filter(p => p !== service).length, 0, 'listening on one port, port 0 included')

  await t.test('share one port, and /stats, its feed and /metrics count the requests of both whichever worker answers', async t => {
    const feed = new WebSocket(`ws://127.0.0.1:${webmgmt}/stats`)
    t.teardown(() => feed.terminate())
    const frames: Array<{ stats: Record<string, number>, workers: Row[] }> = []
    const hello = new Promise<void>(resolve => feed.once('message', () => {
      feed.on('message', data => frames.push(JSON.parse(String(data)) as typeof frames[number]))
      resolve()
    }))
    await settles(hello, 'the feed\'s hello', 10_000)
    const answered = new Set<number>()
    for (let i = 0; i < REQUESTS; i++) {
      const res = await fetchFresh({ host: '127.0.0.1', port: service as number, path: '/service' })
      answered.add((JSON.parse(res.body) as { pid: number }).pid)
    }
    t.same([...answered].sort(), [...workers].sort(), 'both workers answered')

    const metrics = await until(async () => (await webmgmtGet(webmgmt, '/metrics')).body, text => sample(text, TOTAL) === REQUESTS)
    t.equal(sample(metrics, TOTAL), REQUESTS, '/metrics counts every request, summed over the workers')
    t.equal(sample(metrics, COUNT), REQUESTS, 'the latency histogram too')
    t.equal(metrics.split('\n').filter(l => l.startsWith('# TYPE kinds_http_requests_total ')).length, 1, 'one family, not one per worker')
    const stats = await until(async () => JSON.parse((await webmgmtGet(webmgmt, '/stats')).body) as Record<string, number>, s => s['kind.myservice.request.total'] === REQUESTS)
    t.equal(stats['kind.myservice.request.total'], REQUESTS, '/stats sums the workers')
    const buckets = Object.entries(stats).filter(([k]) => /^kind\.myservice\.latency\.(\d|slow)/.test(k)).reduce((n, [, v]) => n + v, 0)
    t.equal(buckets, REQUESTS, 'its latency buckets, bucket by bucket')
    const fed = (): number => frames.reduce((n, f) => n + (f.stats['kind.myservice.request.total'] ?? 0), 0)
    await until(async () => fed(), n => n >= REQUESTS)
    t.equal(fed(), REQUESTS, 'the deltas of the feed add up to the requests of both')
    t.same(frames.at(-1)!.workers.map(w => w.pid).sort(), [...workers].sort(), 'each frame has both workers')
  })

  await t.test('the Instances data lists every worker with its own process figures', async t => {
    const rows = await instances(webmgmt)
    t.same(rows.map(r => r.pid).sort(), [...workers].sort())
    t.same(rows.map(r => r.worker).sort(), [0, 1], 'their places')
    t.ok(rows.every(r => up(r) && r.rss > 0), `both up, each with its own RSS: ${JSON.stringify(rows.map(r => [r.status, r.rss]))}`)
  })

  await t.test('a worker killed with SIGKILL shows dead, then is restarted and shows up with a new pid', async t => {
    const [victim, survivor] = workers as [number, number]
    process.kill(victim, 'SIGKILL')
    const dead = await until(() => instances(webmgmt), rows => rows.some(r => r.pid === victim && r.status === 'dead'))
    t.ok(dead.some(r => r.pid === victim && r.status === 'dead'), 'the killed worker shows dead')
    t.ok(dead.some(r => r.pid === survivor && up(r)), 'the other one is up')
    const res = await until(() => fetchFresh({ host: '127.0.0.1', port: service as number, path: '/service' }, 2000).catch(() => ({ status: 0 })), r => r.status === 200)
    t.equal(res.status, 200, 'the port is still served')
    const back = await until(() => instances(webmgmt), rows => rows.length === 2 && rows.every(up))
    t.equal(back.length, 2)
    t.ok(back.every(up), 'both up again')
    const fresh = back.find(r => r.pid !== survivor)
    t.ok(fresh !== undefined && fresh.pid !== victim, `a new pid (${fresh?.pid})`)
    workers[0] = fresh!.pid
  })

  await t.test('SIGTERM to the primary drains and stops every worker, and the primary exits 0', async t => {
    child.process.kill('SIGTERM')
    const exit = await settles(child.exited, 'the primary exiting', 20_000)
    t.same(exit, { code: 0, signal: null }, 'exit code 0')
    t.notMatch(child.stderr(), /Error|killed|still running/, 'no error printed')
    for (const pid of workers) {
      t.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `worker ${pid} is gone`)
    }
  })
})

/** A socket file whose process died without removing it. */
async function staleSocket (path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] })
  await once(child.stdout, 'data')
  child.kill('SIGKILL')
  await once(child, 'exit')
}

test('workers share a Unix socket path, and a stale socket file left there is replaced once', async t => {
  const path = join(tempDir(t, 'kinds-workers-'), 'svc.sock')
  await staleSocket(path)
  t.ok(lstatSync(path).isSocket(), 'a dead process left its socket file')
  const { child, workers } = await startCluster(t, { SERVICE: path })
  t.equal(child.lines.filter(l => typeof l.worker === 'number' && l.service === path).length, 2, 'both workers listen on the path')
  const answered = new Set<number>()
  for (let i = 0; i < 20; i++) {
    const res = await fetchFresh({ socketPath: path, path: '/service' })
    answered.add((JSON.parse(res.body) as { pid: number }).pid)
  }
  t.same([...answered].sort(), [...workers].sort(), 'both workers answer on it')
  child.process.kill('SIGTERM')
  t.same(await settles(child.exited, 'the primary exiting', 20_000), { code: 0, signal: null })
})

test('in a worker, an { fd } target is refused by name, and systemd\'s sockets (the primary\'s) are said not adopted', async t => {
  // LISTEN_FDS with the primary's LISTEN_PID is what systemd gives a process that then runs workers.
  const { child } = await startCluster(t, { WORKERS: '1', FD_TARGET: '0', LISTEN_FDS: '1', LISTEN_PID: String(process.pid), LISTEN_FDNAMES: 'myservice' })
  const line = await child.line(l => l.fdListen !== undefined, 'the fd listen outcome', 30_000)
  t.same(line.fdListen, {
    code: 'KINDS_ERR_LISTEN_ARGS',
    message: 'net.listen: { fd: 0 } cannot be listened on in a cluster worker: a descriptor is the primary\'s; listen on a port or a path, or run one process'
  })
  const warning = await child.line(l => typeof l.msg === 'string' && l.msg.startsWith('socket activation does not work in a cluster worker'), 'the socket activation warning', 30_000)
  t.equal(warning.LISTEN_FDS, '1')
  t.equal(warning.level, 40, 'logged at warn')
})

test('a first worker whose setup fails stops the primary with exit 1 instead of restarting it forever', async t => {
  const child = startChild(t, process.execPath, ['--import', 'tsx', fixture], { WORKERS: '2', BROKEN: '1' })
  t.same(await settles(child.exited, 'the primary exiting', 30_000), { code: 1, signal: null }, 'exit code 1')
  t.match(child.stderr(), /a broken setup/, 'the setup\'s error is printed')
  t.match(child.stderr(), /worker 0 \(pid \d+\) exited before it was up/, 'and why the primary stops')
})
