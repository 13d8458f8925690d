// The floor of HTTP/1.1: node:http alone (node:https with BENCH_PROTOCOL=https), serializing
// the same JSON on every request.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createSecureServer } from 'node:https'
import { announce, certificate, value } from './shared.ts'

function handle (req: IncomingMessage, res: ServerResponse): void {
  if (req.url !== '/service') {
    res.writeHead(404).end()
    return
  }
  const body = JSON.stringify({ key: req.url, value })
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

const protocol = process.env.BENCH_PROTOCOL ?? 'http'
if (protocol !== 'http' && protocol !== 'https') throw new Error(`BENCH_PROTOCOL must be http or https, got ${protocol}`)
const server = protocol === 'https' ? createSecureServer(certificate(), handle) : createServer(handle)

server.listen(0, '127.0.0.1', () => {
  announce(server, () => new Promise(resolve => server.close(resolve)))
})
