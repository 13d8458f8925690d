import { test } from 'tap'
import Fastify from 'fastify'
import { request } from 'undici'
import kindRouter from '../src/index.ts'

test('answers a URL the router cannot decode with 400 and no JSON body', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(kindRouter)
  await app.http.config({ tls: false, endpoints: { '/trace': ['text/plain', () => 'x'] } }, 'plain')
  const [info] = await app.net.listen('127.0.0.1', 0, { kind: 'plain' })
  const res = await request(`http://127.0.0.1:${info!.port}/trace/%zz`)
  t.equal(res.statusCode, 400)
  t.equal(res.headers['content-type'], undefined, 'no content type')
  t.equal(await res.body.text(), '', 'no body')
  const ok = await request(`http://127.0.0.1:${info!.port}/trace/x`)
  t.equal(await ok.body.text(), 'x', 'the kind keeps serving')
})
