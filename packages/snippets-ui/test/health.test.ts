import { test } from 'tap'
import { request } from 'undici'
import { healthEndpoints } from '../src/index.ts'
import { apiEndpoints, build, get } from './support/app.ts'

test('/livez answers while the process does; /readyz is 200 when ready, 503 with the reason in plain text while draining', async t => {
  const { app, webmgmt } = await build(t)
  const live = await get(`${webmgmt}/livez`)
  t.same([live.status, live.body], [200, 'ok\n'], '/livez: 200 ok')
  t.equal(live.headers['content-type'], 'text/plain; charset=utf-8', 'plain text')
  t.equal(live.headers['cache-control'], 'no-store', 'never cached')
  const ready = await get(`${webmgmt}/readyz`)
  t.same([ready.status, ready.body], [200, 'ready\n'], '/readyz: 200 when every listener is up')

  // A drainDelay no test waits for: app.close() (the teardown) ends it.
  await app.http.config({ drainDelay: 600_000 })
  const drained = app.net.drain()
  const draining = await get(`${webmgmt}/readyz`)
  t.equal(draining.status, 503, '/readyz: 503 while draining')
  t.equal(draining.body, 'not ready: draining: the process is shutting down\n', 'saying why')
  t.equal(draining.headers['content-type'], 'text/plain; charset=utf-8', 'in plain text')
  t.equal((await get(`${webmgmt}/livez`)).status, 200, '/livez stays 200: the process answers')
  await app.close()
  await drained
})

test('any kind mounts /livez and /readyz with healthEndpoints(app.net); auth leaves them open by default', async t => {
  const { app, api } = await build(t)
  await app.http.config({ endpoints: { ...apiEndpoints, ...healthEndpoints(app.net) }, auth: { token: 'tok' } }, 'api')
  t.same([(await get(`${api}/readyz`)).status, (await get(`${api}/livez`)).status], [200, 200], 'both on the api kind, without credentials')
  t.equal((await get(`${api}/ok`)).status, 401, 'while its other endpoints need the token')
  const post = await request(`${api}/readyz`, { method: 'POST', body: 'x' })
  await post.body.dump()
  t.same([post.statusCode, post.headers.allow], [405, 'GET, HEAD'], 'POST: 405 with allow')
})
