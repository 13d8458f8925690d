import { hostname } from 'node:os'
import { test } from 'tap'
import { build, get } from './support/app.ts'
import { renderSnippet, slug } from '../src/index.ts'
import { snippetIds } from '../src/page.ts'

test('the page is titled "<name> @ <hostname>", and the title is configurable', async t => {
  const { webmgmt } = await build(t, { name: 'shop' })
  const res = await get(`${webmgmt}/`)
  t.equal(res.status, 200)
  t.equal(res.headers['content-type'], 'text/html; charset=utf-8')
  t.match(res.body, `<title>shop @ ${hostname()}</title>`)
  const other = await build(t, { title: 'Ops <console>' })
  t.match((await get(`${other.webmgmt}/`)).body, '<title>Ops &lt;console&gt;</title>', 'escaped')
  const plain = await build(t)
  t.match((await get(`${plain.webmgmt}/`)).body, `<title>kinds @ ${hostname()}</title>`, 'default name')
})

test('the page carries charts, the metric picker, instances, listeners and each kind\'s endpoints', async t => {
  const { webmgmt } = await build(t)
  const body = (await get(`${webmgmt}/`)).body
  for (const id of ['chart-kinds', 'chart-status', 'chart-latency', 'chart-picked', 'metric-list', 'instances-body', 'listeners', 'endpoints', 'modules-menu']) {
    t.match(body, `id="${id}"`, id)
  }
  t.match(body, /<code>127\.0\.0\.1:\d+<\/code><\/td><td data-label="TLS">plain \+ TLS<\/td><td data-label="Protocols">h2, http\/1\.1, h2c<\/td>/, 'a listener row: address, TLS, protocols')
  t.match(body, '<span class="kind">api</span>')
  t.match(body, /<code>\/echo<\/code><\/td><td data-label="MIME">text\/plain<\/td><td data-label="WebSocket"><span class="yes">yes<\/span>/, 'an endpoint: path, MIME, WebSocket')
  t.match(body, /<code>\/ok<\/code><\/td><td data-label="MIME">application\/json<\/td><td data-label="WebSocket"><span class="no">no<\/span>/)
  t.match(body, /<code>\/stats<\/code><\/td><td data-label="MIME">application\/json<\/td><td data-label="WebSocket"><span class="yes">yes/, 'webmgmt lists its own table')
})

test('snippets render in insertion order: title escaped, html trusted, listed in the Modules menu', async t => {
  const { app, webmgmt } = await build(t)
  app.http.snippets['/z'] = ['Zeta Module', '<p id="z">z</p>']
  app.http.snippets['/health'] = ['Health service', '<p>UP!</p><script>window.up = 1</script>']
  app.http.snippets['/x'] = ['<b>Bold</b> & co', '<em>raw</em>']
  const body = (await get(`${webmgmt}/`)).body
  t.match(body, /<section id="health-service"><h2>Health service<\/h2>\n<p>UP!<\/p><script nonce="[^"]+">window\.up = 1<\/script><\/section>/, 'the section form, script kept (with the CSP nonce)')
  t.match(body, '<h2>&lt;b&gt;Bold&lt;/b&gt; &amp; co</h2>\n<em>raw</em>', 'title escaped, html as it is')
  const order = ['id="zeta-module"', 'id="health-service"', `id="${slug('<b>Bold</b> & co').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/&(?![lg]t;)/g, '&amp;')}"`].map(s => body.indexOf(s))
  t.ok(order.every((pos, i) => pos > 0 && (i === 0 || pos > order[i - 1]!)), 'insertion order')
  const menu = body.slice(body.indexOf('id="modules-menu"'), body.indexOf('</details>', body.indexOf('id="modules-menu"')))
  t.match(menu, '<a href="#zeta-module">Zeta Module</a>')
  t.match(menu, '<a href="#health-service">Health service</a>')
  t.ok(menu.indexOf('#zeta-module') < menu.indexOf('#health-service'), 'the menu keeps the order')
})

test('snippets with the same title get distinct anchors, each linked from the Modules menu', async t => {
  const { app, webmgmt } = await build(t)
  app.http.snippets.a = ['Cache', '<p>a</p>']
  app.http.snippets.b = ['Cache', '<p>b</p>']
  app.http.snippets.c = ['Metrics', '<p>c</p>']
  const body = (await get(`${webmgmt}/`)).body
  t.match(body, '<section id="cache"><h2>Cache</h2>\n<p>a</p></section>')
  t.match(body, '<section id="cache-2"><h2>Cache</h2>\n<p>b</p></section>')
  t.match(body, '<section id="metrics-2"><h2>Metrics</h2>\n<p>c</p></section>', 'a title that would take a section of the page is numbered too')
  const menu = body.slice(body.indexOf('id="modules-menu"'), body.indexOf('</details>', body.indexOf('id="modules-menu"')))
  t.match(menu, '<a href="#cache">Cache</a>')
  t.match(menu, '<a href="#cache-2">Cache</a>')
  t.equal(snippetIds(['A b', 'A b', 'a-b', 'A b']).join(), 'a-b,a-b-2,a-b-3,a-b-4')
})

test('the page has no inline style or script of its own: it runs under a CSP without unsafe-inline', async t => {
  const { webmgmt } = await build(t)
  const body = (await get(`${webmgmt}/`)).body
  t.notMatch(body, /\sstyle=/, 'no style attribute')
  t.notMatch(body, /<style/, 'no style element')
  const scripts = body.match(/<script\b[^>]*>/g) ?? []
  t.equal(scripts.length, 1, 'one script')
  t.match(scripts[0], /\ssrc="\/static\/app\.js\?v=/, 'from a file')
  t.notMatch(body, /\son[a-z]+=/, 'no inline event handler')
})

test('snippets added or removed at run time show on the next load', async t => {
  const { app, webmgmt } = await build(t)
  t.notMatch((await get(`${webmgmt}/`)).body, 'id="later"')
  app.http.snippets.later = ['Later', '<p>added</p>']
  t.match((await get(`${webmgmt}/`)).body, '<section id="later"><h2>Later</h2>\n<p>added</p></section>')
  delete app.http.snippets.later
  t.notMatch((await get(`${webmgmt}/`)).body, 'id="later"')
})

test('renderSnippet and slug follow the README\'s Snippets section', async t => {
  t.equal(slug('Health Service Two'), 'health-service-two')
  t.equal(renderSnippet(['A "q"', '<i>x</i>']), '<section id="a-&quot;q&quot;"><h2>A &quot;q&quot;</h2>\n<i>x</i></section>')
})

test('the assets are served by @fastify/static with max-age=86400, linked by content hash', async t => {
  const { webmgmt } = await build(t)
  const body = (await get(`${webmgmt}/`)).body
  const script = /<script type="module" nonce="[^"]+" src="(\/static\/app\.js\?v=[0-9a-f]{12})">/.exec(body)?.[1]
  const style = /<link rel="stylesheet" href="(\/static\/app\.css\?v=[0-9a-f]{12})">/.exec(body)?.[1]
  t.ok(script !== undefined && style !== undefined, 'linked with a hash')
  const js = await get(webmgmt + script!)
  t.equal(js.status, 200)
  t.match(js.headers['content-type'], /javascript/)
  t.match(js.headers['cache-control'], /max-age=86400/)
  t.ok(js.body.length > 1000, 'the bundle')
  const css = await get(webmgmt + style!)
  t.equal(css.status, 200)
  t.match(css.headers['content-type'], /text\/css/)
  t.match(css.headers['cache-control'], /max-age=86400/)
  t.match(css.body, '.uplot', 'uPlot\'s styles are bundled')
  t.equal((await get(`${webmgmt}/static/nope.js`)).status, 404)
  t.notMatch(body, /jquery|bootstrap/i, 'no jQuery, no Bootstrap')
})

test('a user table made from the built-in copy keeps the page and its assets', async t => {
  const { app, webmgmt } = await build(t)
  const endpoints = app.http.configs._builtin.webmgmt!.endpoints!
  t.same(Object.keys(endpoints).sort(), ['/', '/livez', '/metrics', '/readyz', '/stats'])
  endpoints['/health'] = ['application/json', () => ({ state: 'up' })]
  await app.http.config({ endpoints }, 'webmgmt')
  t.equal((await get(`${webmgmt}/health`)).body, '{"state":"up"}')
  const body = (await get(`${webmgmt}/`)).body
  t.match(body, '<code>/health</code>')
  const script = /src="(\/static\/app\.js\?v=\w+)"/.exec(body)![1]!
  t.equal((await get(webmgmt + script)).status, 200, 'the built-in static plugin stays')
  t.equal((await get(`${webmgmt}/metrics`)).status, 200)
})

test('the built-in endpoints only read: POST gets 405', async t => {
  const { webmgmt } = await build(t)
  const { request } = await import('undici')
  for (const path of ['/', '/stats', '/metrics']) {
    const res = await request(webmgmt + path, { method: 'POST', body: 'x' })
    await res.body.dump()
    t.equal(res.statusCode, 405, path)
  }
})

test('shows a snippet that is not [title, html] as a note instead of failing the page', async t => {
  const { app, webmgmt } = await build(t)
  app.http.snippets.good = ['Good', '<p>fine</p>']
  ;(app.http.snippets as Record<string, unknown>).broken = 42
  const res = await get(`${webmgmt}/`)
  t.equal(res.status, 200)
  t.match(res.body, '<section id="good"><h2>Good</h2>\n<p>fine</p></section>')
  t.match(res.body, '<section id="broken"><h2>broken</h2>\n<p class="invalid">')
})
