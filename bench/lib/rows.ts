// The rows of `pnpm bench` and the ratios printed on its last lines.

/** Which load generator loads a row, and over what. */
export type LoadKind =
  | 'wrk' // HTTP/1.1 keep-alive, no TLS
  | 'wrk-tls' // HTTP/1.1 keep-alive over TLS
  | 'h2load-tls' // HTTP/2 over TLS, ALPN h2
  | 'h2load-h2c' // cleartext HTTP/2, prior knowledge
  | 'ws' // WebSocket echo round trips (lib/ws-echo-client.ts)

/** A server of bench/servers (through tsx) or kresd, with its environment. */
export type ServerSpec =
  | { type: 'node', file: string, env?: Record<string, string> }
  | { type: 'kresd', env?: Record<string, string> }

export interface Row {
  name: string
  /** What the row is, for the table. */
  what: string
  server: ServerSpec
  load: LoadKind
  /** The groups (`--only`) that need this row. */
  groups: string[]
}

export interface Ratio {
  group: string
  /** `kind tls:false / fastify`. */
  name: string
  top: string
  bottom: string
  /** The project's target, for the line (`≥ 0.95`). */
  target?: string
}

const kind = (tls: string): ServerSpec => ({ type: 'node', file: 'kind.ts', env: { BENCH_KIND_TLS: tls } })
/** The `tls: false` kind with another echo on /echo (servers/service.ts: `raw`, `raw-text`). */
const kindEcho = (echo: string): ServerSpec => ({ type: 'node', file: 'kind.ts', env: { BENCH_KIND_TLS: 'false', BENCH_WS_ECHO: echo } })
const fastify = (protocol: string): ServerSpec => ({ type: 'node', file: 'fastify.ts', env: { BENCH_PROTOCOL: protocol } })

/** In the order they run within a round; a row several groups need runs once a round. */
export const ROWS: Row[] = [
  { name: 'fastify', what: 'plain Fastify route, listen() itself, HTTP/1.1', server: fastify('http'), load: 'wrk', groups: ['a', 'b'] },
  { name: 'kind tls:false', what: 'kind with tls: false, net.listen', server: kind('false'), load: 'wrk', groups: ['a', 'f'] },
  { name: 'endpoint-table alone', what: 'the table on a Fastify that listens itself, no kind-router', server: { type: 'node', file: 'endpoint-table.ts' }, load: 'wrk', groups: ['a'] },
  { name: 'node:http', what: 'node:http alone (floor of HTTP/1.1)', server: { type: 'node', file: 'node-http.ts' }, load: 'wrk', groups: ['a'] },
  // The control: the first row's server again, in its own process. Any ratio it has to that row is the run's noise.
  { name: 'fastify again', what: 'the plain Fastify row once more, another process (the control: its ratio to fastify is noise)', server: fastify('http'), load: 'wrk', groups: ['a'] },
  { name: 'kind default', what: 'kind with tls unset (plain + TLS on one port), plain client', server: kind('auto'), load: 'wrk', groups: ['b'] },
  { name: 'fastify https', what: 'Fastify { https }, HTTP/1.1 over TLS', server: fastify('https'), load: 'wrk-tls', groups: ['c'] },
  { name: 'kind tls:true', what: 'kind with tls: true, HTTP/1.1 over TLS', server: kind('true'), load: 'wrk-tls', groups: ['c'] },
  { name: 'node:https', what: 'node:https alone (floor of HTTP/1.1 over TLS)', server: { type: 'node', file: 'node-http.ts', env: { BENCH_PROTOCOL: 'https' } }, load: 'wrk-tls', groups: ['c'] },
  { name: 'fastify h2', what: 'Fastify { http2: true, https }', server: fastify('h2'), load: 'h2load-tls', groups: ['d'] },
  { name: 'kind tls:true h2', what: 'kind with tls: true, HTTP/2 over TLS', server: kind('true'), load: 'h2load-tls', groups: ['d', 'f'] },
  { name: 'node:http2 core', what: 'node:http2 core API, stream.respond (floor of HTTP/2 over TLS)', server: { type: 'node', file: 'node-http2.ts' }, load: 'h2load-tls', groups: ['d'] },
  { name: 'fastify ws', what: 'Fastify + @fastify/websocket echo', server: { type: 'node', file: 'fastify-ws.ts' }, load: 'ws', groups: ['e'] },
  { name: 'kind ws', what: 'kind with tls: false, onWebsocket echoing from a ws "message" listener on ws.raw, the Fastify row\'s handler', server: kindEcho('raw'), load: 'ws', groups: ['e'] },
  { name: 'kind ws text', what: 'the same, the text decoded to a string and sent back as one, as ws.receive() gives it', server: kindEcho('raw-text'), load: 'ws', groups: ['e'] },
  { name: 'kind ws receive/send', what: 'the same kind, the echo written with await ws.receive() and await ws.send()', server: kind('false'), load: 'ws', groups: ['e'] },
  { name: 'endpoint-table alone ws', what: 'the receive/send echo, the table on a Fastify that listens itself, no kind-router', server: { type: 'node', file: 'endpoint-table.ts' }, load: 'ws', groups: ['e'] },
  { name: 'kresd', what: 'Knot Resolver 5.6 HTTP module, tls = false, same handler in Lua', server: { type: 'kresd' }, load: 'wrk', groups: ['f'] },
  { name: 'kresd h2', what: 'Knot Resolver 5.6 HTTP module, tls = true, HTTP/2 over TLS', server: { type: 'kresd', env: { BENCH_TLS: 'true' } }, load: 'h2load-tls', groups: ['f'] },
  { name: 'fastify h2c', what: 'Fastify { http2: true }, cleartext HTTP/2', server: fastify('h2c'), load: 'h2load-h2c', groups: ['g'] },
  { name: 'kind tls:false h2c', what: 'kind with tls: false, cleartext HTTP/2 (prior knowledge)', server: kind('false'), load: 'h2load-h2c', groups: ['g'] }
]

export const RATIOS: Ratio[] = [
  { group: 'a', name: 'kind tls:false / fastify', top: 'kind tls:false', bottom: 'fastify', target: '≥ 0.95' },
  { group: 'a', name: 'endpoint-table alone / fastify', top: 'endpoint-table alone', bottom: 'fastify', target: '≥ 0.95' },
  { group: 'a', name: 'fastify / node:http', top: 'fastify', bottom: 'node:http' },
  { group: 'a', name: 'fastify again / fastify (control)', top: 'fastify again', bottom: 'fastify', target: '1.00: its distance from 1 is the run\'s noise' },
  { group: 'b', name: 'kind default / fastify', top: 'kind default', bottom: 'fastify', target: '≥ 0.95' },
  { group: 'c', name: 'kind tls:true / fastify https', top: 'kind tls:true', bottom: 'fastify https', target: '≥ 0.95' },
  { group: 'c', name: 'fastify https / node:https', top: 'fastify https', bottom: 'node:https' },
  { group: 'd', name: 'kind h2 / fastify h2', top: 'kind tls:true h2', bottom: 'fastify h2', target: '≥ 0.95' },
  { group: 'd', name: 'fastify h2 / node:http2 core', top: 'fastify h2', bottom: 'node:http2 core' },
  { group: 'd', name: 'kind h2 / node:http2 core', top: 'kind tls:true h2', bottom: 'node:http2 core' },
  { group: 'e', name: 'kind ws / fastify ws', top: 'kind ws', bottom: 'fastify ws', target: '≥ 0.95' },
  { group: 'e', name: 'kind ws text / fastify ws', top: 'kind ws text', bottom: 'fastify ws' },
  { group: 'e', name: 'kind ws receive/send / fastify ws', top: 'kind ws receive/send', bottom: 'fastify ws' },
  { group: 'e', name: 'endpoint-table alone ws / fastify ws', top: 'endpoint-table alone ws', bottom: 'fastify ws' },
  { group: 'f', name: 'kind tls:false / kresd', top: 'kind tls:false', bottom: 'kresd', target: '≥ 1.8' },
  { group: 'f', name: 'kind h2 / kresd h2', top: 'kind tls:true h2', bottom: 'kresd h2', target: '≥ 1.0' },
  { group: 'g', name: 'kind h2c / fastify h2c', top: 'kind tls:false h2c', bottom: 'fastify h2c', target: '≥ 0.95' }
]

/** The rows the selected groups need (all when `only` is empty), in run order. */
export function selectRows (only: ReadonlySet<string>): Row[] {
  return ROWS.filter(row => only.size === 0 || row.groups.some(g => only.has(g)))
}

/** The ratios of the selected groups. */
export function selectRatios (only: ReadonlySet<string>): Ratio[] {
  return RATIOS.filter(ratio => only.size === 0 || only.has(ratio.group))
}

/** The tool a row's (or a pair's) load generator needs (the WebSocket client is ours). */
export function toolOf (row: { load: LoadKind }): string | undefined {
  if (row.load === 'wrk' || row.load === 'wrk-tls') return 'wrk'
  if (row.load === 'h2load-tls' || row.load === 'h2load-h2c') return 'h2load'
  return undefined
}
