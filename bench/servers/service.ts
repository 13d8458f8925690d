// The seed's RESTful /service handler, shared by every server of the bench written with an
// endpoint table: GET answers `{ key: path, value }`, POST stores a number, the rest is refused.
// The seed's `stream.log.info(...)` line is left out, as in servers/kresd.lua.
import { status, type Endpoint, type EndpointStream, type EndpointWebSocket, type RequestHeaders, type ServeResult } from '@kinds/endpoint-table'
import { value as initial } from './shared.ts'

let value = initial

function service (h: RequestHeaders, stream: EndpointStream): ServeResult | Promise<ServeResult> {
  const m = h.get(':method')
  const path = h.get(':path')
  if (m === 'GET') return { key: path, value }
  if (m === 'POST') return store(stream)
  return status(405, 'Cannot do that')
}

async function store (stream: EndpointStream): Promise<ServeResult> {
  const text = await stream.getBodyAsString()
  if (text.trim() === '' || !Number.isFinite(Number(text))) return status(500, 'Not a good request')
  value = Number(text)
}

export const serviceEndpoint: Endpoint = ['application/json', service]

/** A WebSocket echo: every message goes back as it came (text as text), until the client closes. */
async function echo (h: RequestHeaders, ws: EndpointWebSocket): Promise<void> {
  for (;;) {
    const message = await ws.receive()
    if (message === null || !await ws.send(message)) return
  }
}

export const echoEndpoint: Endpoint = { mime: 'text/plain', websocket: echo }

/**
 * The same echo written as the Fastify row's (`socket.on('message', ...)` on the `ws` socket underneath),
 * so the bench can tell the kind's WebSocket path from what `receive` and `send` do per message:
 * `raw` sends back the bytes as they came, `raw-text` decodes text to a string and sends the string.
 */
function rawEcho (text: boolean) {
  return (_h: RequestHeaders, ws: EndpointWebSocket): Promise<void> => new Promise(resolve => {
    ws.raw.on('message', (data, isBinary) => {
      const bytes = data as Buffer
      if (text && !isBinary) ws.raw.send(bytes.toString('utf8'))
      else ws.raw.send(bytes, { binary: isBinary })
    })
    ws.raw.once('close', () => resolve())
  })
}

/** BENCH_WS_ECHO picks the echo on /echo: `seed` (default, `ws.receive()` and `ws.send()`), `raw` or `raw-text`. */
export function echoFor (which: string): Endpoint {
  switch (which) {
    case 'seed': return echoEndpoint
    case 'raw': return { mime: 'text/plain', websocket: rawEcho(false) }
    case 'raw-text': return { mime: 'text/plain', websocket: rawEcho(true) }
    default: throw new Error(`BENCH_WS_ECHO must be seed, raw or raw-text, got ${which}`)
  }
}
