import { status, type EndpointTable, type EndpointStream, type RequestHeaders, type ServeHandler } from '@kinds/endpoint-table'
import type { NetApi } from '@kinds/kind-router'

const text = 'text/plain; charset=utf-8'

/** Health answers GET and HEAD, never from a cache; anything else is 405 with `allow`. */
function probe (answer: () => string | ReturnType<typeof status>): ServeHandler {
  return (h: RequestHeaders, stream: EndpointStream) => {
    stream.reply.header('cache-control', 'no-store')
    const method = h.get(':method')
    if (method === 'GET' || method === 'HEAD') return answer()
    stream.reply.header('allow', 'GET, HEAD')
    return 405
  }
}

/**
 * `/livez` (the process answers) and `/readyz` (every listener up and not
 * draining; otherwise 503 with the reason in plain text). webmgmt serves them;
 * any kind mounts them with `{ ...myEndpoints, ...healthEndpoints(app.net) }`.
 */
export function healthEndpoints (net: Pick<NetApi, 'readiness'>): EndpointTable {
  return {
    '/livez': [text, probe(() => 'ok\n')],
    '/readyz': [text, probe(() => {
      const readiness = net.readiness()
      return readiness.ready ? 'ready\n' : status(503, `not ready: ${readiness.reason}\n`)
    })]
  }
}
