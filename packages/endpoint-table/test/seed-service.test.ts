import { test } from 'tap'
import { request } from 'undici'
import { build, listen, type LogLine } from './helpers.ts'
import { status, type Endpoint } from '../src/index.ts'

/** Lua's tonumber: a number, or undefined for anything else (blank included). */
function tonumber (text: string): number | undefined {
  const n = Number(text)
  return text.trim() === '' || Number.isNaN(n) ? undefined : n
}

/** The seed's RESTful service, line for line. */
function seedService (): Endpoint {
  // Our upvalue
  let value = 42

  // Expose the service
  return ['application/json', async (h, stream) => {
    // Get request method and deal with it properly
    const m = h.get(':method')
    const path = h.get(':path')
    stream.log.info('method %s path %s', m, path)
    // Return table, response code will be '200 OK'
    if (m === 'GET') {
      return { key: path, value }
    // Save body, perform check and either respond with 500 or 204
    } else if (m === 'POST') {
      const data = await stream.getBodyAsString()
      if (tonumber(data) === undefined) {
        return status(500, 'Not a good request')
      }
      value = tonumber(data)!
    // Unsupported method, return 405 Method not allowed
    } else {
      return status(405, 'Cannot do that')
    }
  }]
}

interface Exchange { method: 'GET' | 'POST' | 'PUT', body?: string, status: number, answer: string }

// The walk through the seed: read, refuse, store, read again, refuse a method.
const walk: Exchange[] = [
  { method: 'GET', status: 200, answer: '{"key":"/service","value":42}' },
  { method: 'POST', body: 'abc', status: 500, answer: 'Not a good request' },
  { method: 'POST', body: '7', status: 204, answer: '' },
  { method: 'GET', status: 200, answer: '{"key":"/service","value":7}' },
  { method: 'PUT', body: '8', status: 405, answer: 'Cannot do that' }
]

/** The seed's own log lines, in order. */
function seedLines (logs: LogLine[]): string[] {
  return logs.filter(line => typeof line.msg === 'string' && line.msg.startsWith('method ')).map(line => line.msg)
}

const expectedLines = walk.map(({ method }) => `method ${method} path /service`)

test('runs the seed RESTful /service line for line through inject', async t => {
  const { app, logs } = await build(t, { '/service': seedService() })
  for (const { method, body, status, answer } of walk) {
    const res = await app.inject({ method, url: '/service', payload: body })
    t.equal(res.statusCode, status, `${method} ${body ?? ''}`)
    t.equal(res.body, answer, `${method} ${body ?? ''}`)
    if (status === 200) t.equal(res.headers['content-type'], 'application/json')
  }
  t.same(seedLines(logs), expectedLines, 'one log line a request, as the seed writes it')
})

test('runs the seed RESTful /service line for line over a real socket', async t => {
  const { app, logs } = await build(t, { '/service': seedService() })
  const base = await listen(app)
  for (const { method, body, status, answer } of walk) {
    const res = await request(`${base}/service`, { method, body })
    t.equal(res.statusCode, status, `${method} ${body ?? ''}`)
    t.equal(await res.body.text(), answer, `${method} ${body ?? ''}`)
    if (status === 200) t.equal(res.headers['content-type'], 'application/json')
  }
  t.same(seedLines(logs), expectedLines, 'one log line a request, as the seed writes it')
})

test('keeps the seed service value per table, not per request', async t => {
  const { app } = await build(t, { '/service': seedService() })
  t.equal((await app.inject({ method: 'POST', url: '/service', payload: '-1.5' })).statusCode, 204)
  t.equal((await app.inject('/service/anything?x=1')).body, '{"key":"/service/anything?x=1","value":-1.5}')
  t.equal((await app.inject({ method: 'POST', url: '/service', payload: '' })).statusCode, 500, 'an empty body is not a number')
})
