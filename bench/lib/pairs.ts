// The pairs of `pnpm bench:pairs` (bench/same-process.ts, servers/pair.ts): each puts a server
// beside a plain Fastify reference of the same protocol in one process, and is loaded by that
// protocol's load generator. A `fastify...` pair is a second plain instance: its ratio is the noise.
import type { LoadKind } from './rows.ts'

export interface Pair {
  name: string
  /** The reference's protocol and the load generator of both sides. */
  load: LoadKind
  /** What the other server is, beside the plain Fastify reference. */
  what: string
  /** The row of `pnpm bench` the pair measures finer, if any. */
  row?: string
}

export const PAIRS: Pair[] = [
  { name: 'fastify', load: 'wrk', what: 'a second plain Fastify instance (the control)' },
  { name: 'table', load: 'wrk', what: 'endpoint-table registered on a Fastify instance listening itself' },
  { name: 'kind', load: 'wrk', what: 'kind with tls: false, snippets-ui registered', row: 'a' },
  { name: 'kind-bare', load: 'wrk', what: 'the same kind without snippets-ui' },
  { name: 'kind-quiet', load: 'wrk', what: 'the same kind, snippets-ui registered, its request observer taken off' },
  { name: 'kind-default', load: 'wrk', what: 'kind with tls unset (plain and TLS on one port), plain client', row: 'b' },
  { name: 'fastify-no-keepalive-timer', load: 'wrk', what: 'plain Fastify with Node\'s keep-alive timer off (keepAliveTimeout 0)' },
  { name: 'fastify-tls', load: 'wrk-tls', what: 'a second Fastify { https } (the control of TLS)' },
  { name: 'kind-tls', load: 'wrk-tls', what: 'kind with tls: true, HTTP/1.1 over TLS, against Fastify { https }', row: 'c' },
  { name: 'fastify-h2', load: 'h2load-tls', what: 'a second Fastify { http2: true, https } (the control of HTTP/2)' },
  { name: 'kind-h2', load: 'h2load-tls', what: 'kind with tls: true, HTTP/2 over TLS, against Fastify { http2: true, https }', row: 'd' },
  { name: 'fastify-ws', load: 'ws', what: 'a second Fastify + @fastify/websocket echo (the control of WebSockets)' },
  { name: 'kind-ws', load: 'ws', what: 'kind with the Fastify row\'s echo (a \'message\' listener on ws.raw), against Fastify + @fastify/websocket', row: 'e' },
  { name: 'kind-ws-seed', load: 'ws', what: 'kind with the seed-style echo, ws.send(await ws.receive())' },
  { name: 'fastify-h2c', load: 'h2load-h2c', what: 'a second Fastify { http2: true } (the control of h2c)' },
  { name: 'kind-h2c', load: 'h2load-h2c', what: 'kind with tls: false, cleartext HTTP/2, against Fastify { http2: true }', row: 'g' }
]

/**
 * What `pnpm bench:pairs` runs without `--pairs`: one pair per row of `pnpm bench`, (a) to (e)
 * and (g), each protocol with its control.
 */
export const DEFAULT_PAIRS = ['fastify', 'kind', 'kind-default', 'fastify-tls', 'kind-tls', 'fastify-h2', 'kind-h2', 'fastify-ws', 'kind-ws', 'fastify-h2c', 'kind-h2c']

export function pairNamed (name: string): Pair {
  const pair = PAIRS.find(p => p.name === name)
  if (pair === undefined) throw new Error(`the pairs are ${PAIRS.map(p => p.name).join(', ')}, got ${name}`)
  return pair
}
