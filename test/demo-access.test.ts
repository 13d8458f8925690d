// End to end: the demo protects webmgmt from its environment, says so, and drains on SIGTERM.
import { once } from 'node:events'
import { test } from 'tap'
import { request } from 'undici'
import WebSocket from 'ws'
import { startChild, settles, type Child } from '../packages/kind-router/test/support/child.ts'

async function start (t: Parameters<typeof startChild>[0], env: NodeJS.ProcessEnv): Promise<{ child: Child, base: string, port: number }> {
  const child = startChild(t, process.execPath, ['--import', 'tsx', 'examples/seed-chapter/index.ts'], {
    WEBMGMT_PORT: '0', SERVICE_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env
  })
  const listening = await child.line(l => l.msg === 'listening' && l.kind === 'webmgmt', 'webmgmt listening', 30_000)
  await child.line(l => typeof l.msg === 'string' && /^webmgmt (needs|is open)/.test(l.msg), 'the auth line')
  const port = Number(listening.port)
  return { child, base: `http://127.0.0.1:${port}`, port }
}

async function get (url: string, headers: Record<string, string> = {}): Promise<{ status: number, body: string, headers: Record<string, string | string[] | undefined> }> {
  const res = await request(url, { headers })
  return { status: res.statusCode, body: await res.body.text(), headers: res.headers }
}

test('WEBMGMT_TOKEN: the demo says webmgmt needs the token, asks for it on HTTP and the upgrade, and SIGTERM drains then exits 0', async t => {
  const { child, base, port } = await start(t, { WEBMGMT_TOKEN: 'demo-token', DRAIN_DELAY: '4000' })
  t.ok(child.lines.some(l => l.msg === 'webmgmt needs the bearer token in WEBMGMT_TOKEN (a browser opens /?token=<token> once)'), 'it says so on start')
  const refused = await get(`${base}/stats`)
  t.same([refused.status, refused.headers['www-authenticate']], [401, 'Bearer realm="webmgmt"'], 'no token: 401 with the challenge')
  t.equal((await get(`${base}/stats`, { authorization: 'Bearer demo-token' })).status, 200, 'the token: 200')
  t.equal((await get(`${base}/readyz`)).status, 200, '/readyz needs no token, for load balancers')

  const ws = new WebSocket(`ws://127.0.0.1:${port}/stats`, { headers: { authorization: 'Bearer demo-token' } })
  await settles(once(ws, 'open'), 'the feed opening with the token')
  const closed = once(ws, 'close')

  child.process.kill('SIGTERM')
  await child.line(l => typeof l.msg === 'string' && l.msg.startsWith('draining'), 'the drain starting')
  const readyz = await get(`${base}/readyz`)
  t.same([readyz.status, readyz.body], [503, 'not ready: draining: the process is shutting down\n'], 'after SIGTERM /readyz is 503 with the reason')
  t.equal((await get(`${base}/livez`)).status, 200, 'while the process still serves (drainDelay)')
  const [code] = await settles(closed, 'the feed closing', 20_000) as [number]
  t.equal(code, 1001, 'then the feed closes with 1001')
  t.same(await settles(child.exited, 'the demo exiting', 20_000), { code: 0, signal: null }, 'and it exits 0')
})

test('WEBMGMT_USER and WEBMGMT_PASSWORD: basic credentials, said on start', async t => {
  const { child, base } = await start(t, { WEBMGMT_USER: 'ops', WEBMGMT_PASSWORD: 'pw', DRAIN_DELAY: '0' })
  t.ok(child.lines.some(l => l.msg === 'webmgmt needs basic credentials: user ops and WEBMGMT_PASSWORD'), 'it says so on start')
  const refused = await get(`${base}/`)
  t.same([refused.status, refused.headers['www-authenticate']], [401, 'Basic realm="webmgmt", charset="UTF-8"'], 'the page asks for basic credentials')
  t.equal((await get(`${base}/`, { authorization: 'Basic ' + Buffer.from('ops:pw').toString('base64') })).status, 200, 'and opens with them')
  child.process.kill('SIGTERM')
  t.same(await settles(child.exited, 'the demo exiting', 20_000), { code: 0, signal: null }, 'SIGTERM with DRAIN_DELAY=0: exits 0')
})

test('without them the demo says webmgmt is open to anyone', async t => {
  const { child, base } = await start(t, { DRAIN_DELAY: '0' })
  t.ok(child.lines.some(l => l.msg === 'webmgmt is open to anyone who reaches it: set WEBMGMT_TOKEN, or WEBMGMT_USER and WEBMGMT_PASSWORD'), 'it says so on start')
  t.equal((await get(`${base}/stats`)).status, 200, 'and the stats answer without credentials')
  const service = Number((await child.line(l => l.msg === 'listening' && l.kind === 'myservice', 'myservice listening')).port)
  const put = await request(`http://127.0.0.1:${service}/service`, { method: 'PUT', body: '1' })
  t.same([put.statusCode, put.headers.allow, await put.body.text()], [405, 'GET, POST', 'Cannot do that'], 'the seed\'s PUT /service: 405 with allow: GET, POST')
  child.process.kill('SIGTERM')
  t.same(await settles(child.exited, 'the demo exiting', 20_000), { code: 0, signal: null }, 'exits 0')
})
