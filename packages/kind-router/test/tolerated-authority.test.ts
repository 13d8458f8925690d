import http2 from 'node:http2'
import { test } from 'tap'
import { build, serve } from './support/sockets.ts'

const endpoints = { '/where': ['text/plain', (h: { get (name: string): string | undefined }) => String(h.get(':authority'))] } as const

/** Requests on one h2c connection; each gives its status and body (the :authority the handler saw), or the stream error. */
async function onOneConnection (port: number, requests: http2.OutgoingHttpHeaders[], options: http2.ClientSessionOptions = {}): Promise<string[]> {
  const session = http2.connect(`http://127.0.0.1:${port}`, options)
  try {
    const out: string[] = []
    for (const headers of requests) {
      out.push(await new Promise<string>(resolve => {
        const stream = session.request({ ':path': '/where', ...headers })
        let status = ''
        let body = ''
        stream.setEncoding('utf8')
        stream.on('response', h => { status = String(h[':status']) })
        stream.on('data', chunk => { body += chunk as string })
        stream.on('end', () => resolve(`${status} ${body}`))
        stream.on('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code ?? err.message}`))
      }))
    }
    return out
  } finally {
    session.close()
  }
}

const bad = { ':authority': 'localhost:8453/health' }

test('an :authority with a path is cut before the path for the first request and the later ones of the connection', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints })
  t.same(await onOneConnection(port, [bad, bad, {}, bad]), ['200 localhost:8453', '200 localhost:8453', `200 127.0.0.1:${port}`, '200 localhost:8453'],
    'the later requests reuse the mended entry of the header table, and a request without it gets its own')
})

test('the first header block is mended when it comes padded, and when it needs CONTINUATION frames', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints })
  t.same(await onOneConnection(port, [bad, bad], { paddingStrategy: http2.constants.PADDING_STRATEGY_MAX }), ['200 localhost:8453', '200 localhost:8453'], 'padded HEADERS')
  t.same(await onOneConnection(port, [{ ...bad, 'x-big': 'a'.repeat(40_000) }, bad]), ['200 localhost:8453', '200 localhost:8453'], 'HEADERS and CONTINUATION')
})

test('an :authority an authority can hold is left as it came', async t => {
  const { app } = await build(t)
  const port = await serve(app, 'svc', { endpoints })
  t.same(await onOneConnection(port, [{ ':authority': 'user@[::1]:8453' }, {}]), ['200 user@[::1]:8453', `200 127.0.0.1:${port}`])
})
