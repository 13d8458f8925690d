import { test } from 'tap'
import { Agent, request } from 'undici'
import WebSocket from 'ws'
import { build, get } from './support/app.ts'

test('the page sends a CSP with a per-response nonce that its script and every snippet\'s <script> get', async t => {
  const { app, webmgmt } = await build(t)
  app.http.snippets.one = ['One', '<p id="one">1</p><script>window.one = 1</script><script src="/x.js" defer></script>']
  const first = await get(`${webmgmt}/`)
  const second = await get(`${webmgmt}/`)
  const csp = String(first.headers['content-security-policy'])
  const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1]
  t.ok(nonce !== undefined && nonce.length >= 22, `script-src has a nonce (${csp})`)
  t.match(csp, /script-src 'self' 'nonce-/, 'scripts: the page\'s own files and the nonce, no unsafe-inline')
  t.notMatch(csp, /script-src[^;]*unsafe-inline/, 'no inline script without the nonce')
  t.match(csp, /frame-ancestors 'none'/, 'frame-ancestors \'none\'')
  t.match(csp, /object-src 'none'/)
  t.match(csp, /base-uri 'none'/)
  t.match(csp, /connect-src 'self'/, 'fetches and WebSockets to the page\'s own origin')
  t.notMatch(csp, /upgrade-insecure-requests/, 'no upgrade-insecure-requests: webmgmt may be plain HTTP')
  t.not(/'nonce-([^']+)'/.exec(String(second.headers['content-security-policy']))?.[1], nonce, 'a new nonce for each response')
  t.match(first.body, `<script type="module" nonce="${nonce!}" src="/static/app.js?v=`, 'the page\'s script carries the nonce')
  t.match(first.body, `<script nonce="${nonce!}">window.one = 1</script><script nonce="${nonce!}" src="/x.js" defer></script>`, 'so do the snippet\'s scripts')
  t.equal(first.headers['x-content-type-options'], 'nosniff', 'x-content-type-options: nosniff')
  t.equal(first.headers['referrer-policy'], 'no-referrer', 'referrer-policy: no-referrer')
  t.equal(first.headers['x-frame-options'], 'DENY', 'x-frame-options: DENY for browsers without frame-ancestors')
  t.equal(first.headers['strict-transport-security'], undefined, 'no HSTS unless asked')
})

test('the page\'s assets carry the same headers; source maps are not served unless sourceMaps is true', async t => {
  const { webmgmt } = await build(t)
  const page = (await get(`${webmgmt}/`)).body
  const script = /src="(\/static\/app\.js\?v=[0-9a-f]+)"/.exec(page)![1]!
  const asset = await get(`${webmgmt}${script}`)
  t.equal(asset.status, 200, 'the bundle is served')
  t.equal(asset.headers['x-content-type-options'], 'nosniff', 'with nosniff')
  t.match(asset.headers['content-security-policy'], /frame-ancestors 'none'/, 'and the CSP')
  t.equal((await get(`${webmgmt}/static/app.js.map`)).status, 404, 'app.js.map: 404 by default')
  t.equal((await get(`${webmgmt}/static/app.css.map`)).status, 404, 'app.css.map: 404 by default')

  const withMaps = await build(t, { sourceMaps: true })
  const map = await get(`${withMaps.webmgmt}/static/app.js.map`)
  t.equal(map.status, 200, 'sourceMaps: true serves them')
  t.ok(map.body.length > 1000 && JSON.parse(map.body).version === 3, 'a real source map')
})

test('hsts: sent only when asked, over TLS, while webmgmt is TLS-only', async t => {
  const { app } = await build(t, { hsts: { maxAge: 15552000, includeSubDomains: true } })
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false } })
  t.teardown(() => dispatcher.destroy())
  const port = app.net.list().find(l => l.kind === 'webmgmt')!.port!
  const headerOver = async (scheme: string): Promise<unknown> => {
    const res = await request(`${scheme}://127.0.0.1:${port}/`, { dispatcher })
    await res.body.dump()
    return res.headers['strict-transport-security']
  }
  t.equal(await headerOver('https'), undefined, 'plain and TLS on one port: no HSTS, it would lock browsers out of the plain side')
  await app.http.config({ tls: true }, 'webmgmt')
  t.equal(await headerOver('https'), 'max-age=15552000; includeSubDomains', 'TLS-only: HSTS')
  await t.rejects(build(t, { hsts: { maxAge: -1 } }), { code: 'KINDS_ERR_UI_OPTION', message: /hsts/ }, 'a bad hsts is refused naming it')
  await t.rejects(build(t, { sourceMaps: 'yes' as never }), { code: 'KINDS_ERR_UI_OPTION', message: /sourceMaps/ }, 'a bad sourceMaps too')
})

test('every 405 of webmgmt has allow: GET, HEAD (/, /stats, /metrics, /livez, /readyz)', async t => {
  const { webmgmt } = await build(t)
  for (const path of ['/', '/stats', '/metrics', '/livez', '/readyz']) {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await request(`${webmgmt}${path}`, { method, body: method === 'DELETE' ? undefined : 'x' })
      await res.body.dump()
      t.equal(res.statusCode, 405, `${method} ${path}: 405`)
      t.equal(res.headers.allow, 'GET, HEAD', `${method} ${path}: allow: GET, HEAD`)
    }
  }
})

test('the /stats WebSocket of webmgmt is same-origin by default: Origin https://evil.example gets 403', async t => {
  const { app, webmgmt } = await build(t)
  const url = webmgmt.replace('http:', 'ws:') + '/stats'
  const status = (origin?: string): Promise<number> => new Promise(resolve => {
    const ws = new WebSocket(url, origin === undefined ? {} : { origin })
    ws.on('error', () => {})
    ws.once('open', () => { ws.terminate(); resolve(101) })
    ws.once('unexpected-response', (_req, res) => { ws.terminate(); resolve(res.statusCode ?? 0) })
  })
  t.equal(await status('https://evil.example'), 403, 'another origin: 403')
  t.equal(await status(webmgmt), 101, 'the page\'s own origin: 101')
  t.equal(await status(), 101, 'no Origin (curl, a script): 101')
  await app.http.config({ allowedOrigins: ['https://evil.example'] }, 'webmgmt')
  t.equal(await status('https://evil.example'), 101, 'allowedOrigins lets a listed origin in')
})
