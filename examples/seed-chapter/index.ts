// The chapter "Custom HTTP services" of Knot Resolver's HTTP module, line for line in TypeScript.
// webmgmt on https://localhost:8453 (ephemeral certificate), myservice on http://localhost:8080.
import assert from 'node:assert'
import cluster from 'node:cluster'
import Fastify from 'fastify'
import kindRouter, { closeOnSignals, formatAddress, type AuthConfig } from '@kinds/kind-router'
import snippetsUi from '@kinds/snippets-ui'
import { headers, sleep, status, type Endpoint, type ServeHandler } from '@kinds/endpoint-table'

// Not in the chapter: WORKERS=2 (or auto, one per core) runs what follows in that many worker processes.
if (process.env.WORKERS !== undefined && cluster.isPrimary) await import('./workers.js')

const host = process.env.HOST ?? 'localhost'
const webmgmtPort = Number(process.env.WEBMGMT_PORT ?? 8453)
const servicePort = Number(process.env.SERVICE_PORT ?? 8080)

const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'info' } })
await app.register(kindRouter)
// the built-in webmgmt kind: the management page, /stats and /metrics
await app.register(snippetsUi, { name: 'kinds' })
const { http, net } = app

// custom function to handle HTTP /health requests
const onHealth: Endpoint = ['application/json',
  (h, stream) => {
    // API call, return a JSON table
    return { state: 'up', uptime: 0 }
  },
  async (h, ws) => {
    // Stream current status every second
    let ok = true
    while (ok) {
      const push = JSON.stringify('up') // eslint-disable-line @typescript-eslint/no-unused-vars
      ok = await ws.send(JSON.stringify(['up']))
      await sleep(1000, ws.signal)
    }
    // Finalize the WebSocket
    ws.close()
  }]

// copy all existing webmgmt endpoints
const myMgmtEndpoints = http.configs._builtin.webmgmt!.endpoints ?? {}
// add custom endpoint to the copy
myMgmtEndpoints['/health'] = onHealth
// use custom HTTP configuration for webmgmt
await http.config({
  endpoints: myMgmtEndpoints
}, 'webmgmt')

http.snippets['/health'] = ['Health service', '<p>UP!</p>']

// Our upvalue
let value = 42

// Expose the service
const service: Endpoint = ['application/json',
  async (h, stream) => {
    // Get request method and deal with it properly
    const m = h.get(':method')
    const path = h.get(':path')
    stream.log.info('method %s path %s', m, path)
    // Return table, response code will be '200 OK'
    if (m === 'GET') {
      return { key: path, value }
    // Save body, perform check and either respond with 500 or 200 OK
    } else if (m === 'POST') {
      const data = await stream.getBodyAsString()
      if (data.trim() === '' || Number.isNaN(Number(data))) {
        return status(500, 'Not a good request')
      }
      value = Number(data)
    // Unsupported method, return 405 Method not allowed
    } else {
      stream.reply.header('allow', 'GET, POST') // not in the chapter: RFC 9110 wants it on a 405
      return status(405, 'Cannot do that')
    }
  }]

// Send back your own headers, then return false
const binary: ServeHandler = async (h, stream) => {
  // Send back headers
  const hsend = headers.new()
  hsend.append(':status', '200')
  hsend.append('content-type', 'binary/octet-stream')
  assert(await stream.writeHeaders(hsend, false))
  // Send back data
  const data = 'binary-data'
  assert(await stream.writeChunk(data, true))
  // Disable default handler action
  return false
}

await http.config({
  endpoints: {
    '/service': service,
    '/binary': ['binary/octet-stream', binary]
  }
}, 'myservice')

// Not in the chapter: who may open the management page, from the environment.
const { WEBMGMT_TOKEN, WEBMGMT_USER, WEBMGMT_PASSWORD, DRAIN_DELAY } = process.env
const webmgmtAuth: AuthConfig | false = WEBMGMT_TOKEN !== undefined
  ? { token: WEBMGMT_TOKEN }
  : WEBMGMT_USER !== undefined && WEBMGMT_PASSWORD !== undefined ? { user: WEBMGMT_USER, password: WEBMGMT_PASSWORD } : false
if (webmgmtAuth !== false) await http.config({ endpoints: myMgmtEndpoints, auth: webmgmtAuth }, 'webmgmt')
// On SIGTERM /readyz turns 503 at once; listeners close after drainDelay (5 s unless DRAIN_DELAY says otherwise).
if (DRAIN_DELAY !== undefined) await http.config({ drainDelay: Number(DRAIN_DELAY) })

// do not forget to create socket of new kind
await net.listen(host, webmgmtPort, { kind: 'webmgmt' })
await net.listen(host, servicePort, { kind: 'myservice' })

for (const l of net.list()) {
  const where = formatAddress(l)
  // A kind without `tls` serves plain HTTP and TLS on the same port.
  const urls = l.tls === 'auto' ? [`http://${where}`, `https://${where}`] : [`${l.tls ? 'https' : 'http'}://${where}`]
  app.log.info(`${l.kind} on ${urls.join(' and ')} (${l.protocols.join(', ')})`)
}

app.log.info(webmgmtAuth === false
  ? 'webmgmt is open to anyone who reaches it: set WEBMGMT_TOKEN, or WEBMGMT_USER and WEBMGMT_PASSWORD'
  : 'token' in webmgmtAuth
    ? 'webmgmt needs the bearer token in WEBMGMT_TOKEN (a browser opens /?token=<token> once)'
    : `webmgmt needs basic credentials: user ${webmgmtAuth.user} and WEBMGMT_PASSWORD`)

// SIGTERM, SIGINT: drain (not ready, serve for drainDelay), close gracefully, exit 0.
closeOnSignals(app)
