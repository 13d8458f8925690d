import { connect as connectHttp2, constants } from 'node:http2'
import { request as requestHttps } from 'node:https'
import type { TLSSocket } from 'node:tls'
import { isDeepStrictEqual } from 'node:util'
import WebSocket from 'ws'

/** What every server must answer to GET /service. */
export const expected = { key: '/service', value: 42 }

/** Throws unless the answer is a 200, `application/json`, with the expected body. */
function verify (name: string, status: number | undefined, type: string, text: string): void {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  if (status !== 200 || !type.startsWith('application/json') || !isDeepStrictEqual(body, expected)) {
    throw new Error(`${name} answered ${status} (${type}) ${JSON.stringify(text)}, expected 200 (application/json) ${JSON.stringify(expected)}`)
  }
}

/** Fetches /service once over HTTP/1.1 without TLS and throws unless it is the expected answer. */
export async function checkAnswer (name: string, url: string): Promise<void> {
  const response = await fetch(url)
  verify(name, response.status, response.headers.get('content-type') ?? '', await response.text())
}

/**
 * GET /service once over HTTP/1.1 and TLS (the run's self-signed certificate is not verified);
 * resolves to what was negotiated, e.g. `TLSv1.3 TLS_AES_256_GCM_SHA384`.
 */
export function checkHttps (name: string, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = requestHttps(url, { rejectUnauthorized: false, agent: false }, res => {
      const socket = res.socket as TLSSocket
      const negotiated = `${socket.getProtocol() ?? '?'} ${socket.getCipher().standardName}`
      let text = ''
      res.setEncoding('utf8').on('data', chunk => { text += chunk }).once('error', reject).once('end', () => {
        try {
          verify(name, res.statusCode, res.headers['content-type'] ?? '', text)
          resolve(negotiated)
        } catch (err) {
          reject(err)
        }
      })
    })
    req.setTimeout(10_000, () => req.destroy(new Error(`${name} did not answer within 10 s`)))
    req.once('error', reject).end()
  })
}

/**
 * GET /service once over HTTP/2: ALPN h2 over TLS for `https://` (certificate not verified),
 * prior knowledge for `http://`. Resolves to `h2` or `h2c`, with the TLS version and cipher.
 */
export function checkH2 (name: string, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const target = new URL(url)
    const session = connectHttp2(target.origin, { rejectUnauthorized: false })
    const fail = (err: Error): void => {
      session.destroy()
      reject(new Error(`${name} over HTTP/2: ${err.message}`))
    }
    session.once('error', fail)
    session.setTimeout(10_000, () => fail(new Error('no answer within 10 s')))
    const req = session.request({ [constants.HTTP2_HEADER_PATH]: target.pathname })
    let status: number | undefined
    let type = ''
    let text = ''
    req.once('response', headers => {
      status = Number(headers[constants.HTTP2_HEADER_STATUS])
      type = String(headers[constants.HTTP2_HEADER_CONTENT_TYPE] ?? '')
    })
    req.setEncoding('utf8').on('data', chunk => { text += chunk }).once('error', fail).once('end', () => {
      const socket = session.socket as TLSSocket
      const negotiated = session.encrypted === true ? `h2 ${socket.getProtocol() ?? '?'} ${socket.getCipher().standardName}` : 'h2c'
      session.close()
      try {
        verify(name, status, type, text)
        resolve(negotiated)
      } catch (err) {
        reject(err)
      }
    })
    req.end()
  })
}

/** Opens one WebSocket, sends a message and throws unless the same text comes back. */
export function checkEcho (name: string, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false })
    const timer = setTimeout(() => done(new Error('no echo within 10 s')), 10_000)
    const done = (err?: Error): void => {
      clearTimeout(timer)
      ws.terminate()
      if (err === undefined) resolve()
      else reject(new Error(`${name} WebSocket echo: ${err.message}`))
    }
    ws.once('error', done)
    ws.once('open', () => ws.send('check'))
    ws.once('message', (data: Buffer, isBinary: boolean) => {
      done(isBinary || data.toString() !== 'check' ? new Error(`got ${JSON.stringify(data.toString())}, expected "check"`) : undefined)
    })
  })
}
