// The floor: node:http alone, serializing the same JSON on every request.
import { createServer } from 'node:http'
import { announce, value } from './shared.ts'

const server = createServer((req, res) => {
  if (req.url !== '/service') {
    res.writeHead(404).end()
    return
  }
  const body = JSON.stringify({ key: req.url, value })
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
})

server.listen(0, '127.0.0.1', () => {
  announce(server, async () => server.close())
})
