import { test } from 'tap'
import WebSocket from 'ws'
import type { EndpointTable } from '@kinds/endpoint-table'
import { errors } from '../src/index.ts'
import { agent, build, echo, ephemeralCa, fetchText, rawExchange, serve, settles } from './support/sockets.ts'

const endpoints: EndpointTable = {
  '/hello': ['text/plain', () => 'hello'],
  '/livez': ['text/plain', 'ok'],
  '/echo': ['text/plain', () => 'use a WebSocket', async (_h, ws) => {
    for await (const message of ws) await ws.send(`echo ${message.toString()}`)
  }]
}

const TOKEN = 's3cret-Token_1'

/** The status a WebSocket handshake got: 101 (open) or the refusal's status and headers. */
async function handshake (url: string, options: WebSocket.ClientOptions = {}): Promise<{ status: number, headers: Record<string, string | string[] | undefined> }> {
  const ws = new WebSocket(url, options)
  ws.on('error', () => {})
  const result = await settles(new Promise<{ status: number, headers: Record<string, string | string[] | undefined> }>(resolve => {
    ws.once('open', () => resolve({ status: 101, headers: {} }))
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, headers: res.headers }))
  }), 'the handshake')
  ws.terminate()
  return result
}

test('auth with a bearer token: 401 with www-authenticate without it, 200 with it, on HTTP and the upgrade', async t => {
  const { app, logs } = await build(t)
  const port = await serve(app, 'svc', { endpoints, auth: { token: TOKEN } })
  const base = `http://127.0.0.1:${port}`
  const d = agent(t)

  const none = await fetchText(`${base}/hello`, d)
  t.equal(none.status, 401, 'no credentials: 401')
  t.equal(none.headers['www-authenticate'], 'Bearer realm="svc"', 'with the challenge, realm the kind')
  const wrong = await fetchText(`${base}/hello`, d, { headers: { authorization: 'Bearer nope' } })
  t.equal(wrong.status, 401, 'a wrong token: 401')
  t.equal(wrong.headers['www-authenticate'], 'Bearer realm="svc", error="invalid_token"', 'saying the token is invalid')
  const right = await fetchText(`${base}/hello`, d, { headers: { authorization: `Bearer ${TOKEN}` } })
  t.same([right.status, right.body], [200, 'hello'], 'the token: 200')
  t.equal((await fetchText(`${base}/nowhere`, d)).status, 401, 'an unknown path is 401 too, not 404: nothing is told without credentials')
  t.equal((await fetchText(`${base}/livez`, d)).status, 200, '/livez is served without credentials (auth.except)')

  const refused = await handshake(`ws://127.0.0.1:${port}/echo`)
  t.equal(refused.status, 401, 'an upgrade without the token: 401, never 101')
  t.equal(refused.headers['www-authenticate'], 'Bearer realm="svc"', 'the upgrade refusal has the challenge')
  t.equal(await echo(`ws://127.0.0.1:${port}/echo`, { headers: { authorization: `Bearer ${TOKEN}` } }), 'echo ping', 'with the token the WebSocket opens')

  const raw = await rawExchange(port, 'GET /echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: nope\r\n\r\n')
  t.match(raw, /^HTTP\/1\.1 401 /, 'the raw upgrade gets 401 first')
  t.notMatch(raw, /101 Switching/, 'and no 101 at all')
  t.ok(logs.some(l => l.msg === 'unauthorized' && l.reason === 'wrong token'), 'refusals are logged with the reason')
  t.notOk(JSON.stringify(logs).includes(TOKEN), 'the token never reaches the log')
})

test('auth with a bearer token: ?token= sets an HttpOnly SameSite=Strict cookie, redirects, and the cookie works for HTTP and the upgrade', async t => {
  const { app, logs } = await build(t)
  const port = await serve(app, 'svc', { endpoints, auth: { token: [TOKEN, 'other'] } })
  const base = `http://127.0.0.1:${port}`
  const d = agent(t)

  const handoff = await fetchText(`${base}/hello?a=1&token=${TOKEN}`, d)
  t.equal(handoff.status, 303, 'the token in the URL: a redirect')
  t.equal(handoff.headers.location, '/hello?a=1', 'to the same URL without the token')
  const sneaky = await rawExchange(port, `GET /.//evil.example/?token=${TOKEN} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
  t.match(sneaky, /\r\nlocation: \/evil\.example\/\r\n/i, 'a path that normalises to //host redirects within the kind, never to another host')
  t.equal(handoff.headers['set-cookie'], `kinds_auth_svc=${TOKEN}; Path=/; HttpOnly; SameSite=Strict`, 'setting the cookie, HttpOnly and SameSite=Strict (no Secure over plain HTTP)')
  const cookie = `kinds_auth_svc=${TOKEN}`
  t.same((await fetchText(`${base}/hello`, d, { headers: { cookie: `x=1; ${cookie}` } })).status, 200, 'the cookie lets HTTP in')
  t.equal(await echo(`ws://127.0.0.1:${port}/echo`, { headers: { cookie } }), 'echo ping', 'the cookie lets the upgrade in')
  t.equal((await fetchText(`${base}/hello`, d, { headers: { cookie: 'kinds_auth_svc=bad' } })).status, 401, 'a wrong cookie: 401')
  t.equal((await fetchText(`${base}/hello?token=bad`, d)).status, 401, 'a wrong ?token=: 401')
  t.equal((await fetchText(`${base}/hello?token=${TOKEN}`, d, { method: 'POST' })).status, 401, 'a ?token= on a POST is not a way in')
  t.equal((await handshake(`ws://127.0.0.1:${port}/echo?token=${TOKEN}`)).status, 401, 'nor on an upgrade')
  t.equal((await fetchText(`${base}/hello`, d, { headers: { authorization: 'Bearer other' } })).status, 200, 'any of the tokens given works')
  t.notOk(JSON.stringify(logs).includes(TOKEN), 'the token in URLs never reaches the log')

  const ca = await ephemeralCa()
  const secure = await fetchText(`https://127.0.0.1:${port}/hello?token=${TOKEN}`, agent(t, ca))
  t.match(secure.headers['set-cookie'], /; Secure$/, 'over TLS the cookie is Secure')

  await app.http.config({ endpoints, auth: { token: TOKEN, cookie: false } }, 'svc')
  t.equal((await fetchText(`${base}/hello?token=${TOKEN}`, d)).status, 401, 'cookie: false turns the ?token= way in off')
  t.equal((await fetchText(`${base}/hello`, d, { headers: { cookie } })).status, 401, 'and the cookie')
})

test('auth with basic credentials: 401 with a Basic challenge, 200 with them, on HTTP and the upgrade', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints, auth: { user: 'admin', password: 'pässword', realm: 'Management' } })
  const base = `http://127.0.0.1:${port}`
  const d = agent(t)
  const basic = (user: string, password: string): string => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')

  const none = await fetchText(`${base}/hello`, d)
  t.equal(none.status, 401, 'no credentials: 401')
  t.equal(none.headers['www-authenticate'], 'Basic realm="Management", charset="UTF-8"', 'a Basic challenge a browser prompts for')
  t.equal((await fetchText(`${base}/hello`, d, { headers: { authorization: basic('admin', 'wrong') } })).status, 401, 'a wrong password: 401')
  t.equal((await fetchText(`${base}/hello`, d, { headers: { authorization: basic('root', 'pässword') } })).status, 401, 'a wrong user: 401')
  t.equal((await fetchText(`${base}/hello`, d, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 401, 'a bearer token is not basic credentials')
  t.equal((await fetchText(`${base}/hello`, d, { headers: { authorization: basic('admin', 'pässword') } })).status, 200, 'the credentials (UTF-8): 200')
  t.equal((await handshake(`ws://127.0.0.1:${port}/echo`)).status, 401, 'an upgrade without them: 401')
  t.equal(await echo(`ws://admin:p%C3%A4ssword@127.0.0.1:${port}/echo`, {}), 'echo ping', 'with them the WebSocket opens')
})

test('auth is refused when given wrong, naming the field', async t => {
  const { app } = await build(t)
  const cases: Array<[unknown, string]> = [
    [true, 'auth.(auth)'],
    [{}, 'auth.(auth)'],
    [{ token: '' }, 'auth.token'],
    [{ token: 'has space' }, 'auth.token'],
    [{ token: [] }, 'auth.token'],
    [{ user: 'a:b', password: 'x' }, 'auth.user'],
    [{ user: 'a', password: '' }, 'auth.password'],
    [{ user: 'a', password: 'x', cookie: true }, 'auth.cookie'],
    [{ token: 'x', realm: 'a"b' }, 'auth.realm'],
    [{ token: 'x', except: ['livez'] }, 'auth.except'],
    [{ token: 'x', extra: 1 }, 'auth.extra']
  ]
  for (const [auth, field] of cases) {
    t.throws(() => app.http.config({ endpoints, auth } as never, 'svc'), { code: errors.KINDS_ERR_KIND_CONFIG.prototype.code ?? 'KINDS_ERR_KIND_CONFIG', message: new RegExp(`field ${field.replace(/[().]/g, '\\$&')}`) }, `${JSON.stringify(auth)} names ${field}`)
  }
})
