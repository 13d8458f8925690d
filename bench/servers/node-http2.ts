// The floor of HTTP/2 over TLS: node:http2's core API, `stream.respond` on each 'stream' event,
// no compatibility layer, the same JSON on every request.
import { constants, createSecureServer, type Http2Session } from 'node:http2'
import { announce, certificate, value } from './shared.ts'

const { HTTP2_HEADER_PATH, HTTP2_HEADER_STATUS, HTTP2_HEADER_CONTENT_TYPE, HTTP2_HEADER_CONTENT_LENGTH } = constants

const server = createSecureServer(certificate())
const sessions = new Set<Http2Session>()
server.on('session', session => {
  sessions.add(session)
  session.once('close', () => sessions.delete(session))
})

server.on('stream', (stream, headers) => {
  const path = headers[HTTP2_HEADER_PATH]
  if (path !== '/service') {
    stream.respond({ [HTTP2_HEADER_STATUS]: 404 }, { endStream: true })
    return
  }
  const body = JSON.stringify({ key: path, value })
  stream.respond({ [HTTP2_HEADER_STATUS]: 200, [HTTP2_HEADER_CONTENT_TYPE]: 'application/json', [HTTP2_HEADER_CONTENT_LENGTH]: Buffer.byteLength(body) })
  stream.end(body)
})

server.listen(0, '127.0.0.1', () => {
  announce(server, () => new Promise(resolve => {
    for (const session of sessions) session.destroy()
    server.close(resolve)
  }))
})
