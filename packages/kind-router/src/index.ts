import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { Router } from './router.js'
import type { KindConfig } from './config.js'
import type { ListenerInfo } from './listener.js'
import type { ListenOptions } from './addresses.js'
import type { Readiness } from './drain.js'

/** A snippet of the management page: `[title, html]`. */
export type Snippet = readonly [title: string, html: string]

/** `app.http`: kind configurations and the snippets registry. */
export interface HttpApi {
  /** Every kind's own config, and `_builtin` (copies: change them and pass them to `config`). */
  readonly configs: { readonly _builtin: Record<string, KindConfig> } & Record<string, KindConfig>
  /** Snippets of the management page by key, in insertion order. */
  readonly snippets: Record<string, Snippet>
  /**
   * Adds or changes a kind (`conf`, `kind`), removes one (`null`, `kind`), or sets
   * defaults for all (`conf`). Checks now and throws; resolves once the new table serves.
   */
  config: (conf: KindConfig | null, kind?: string) => Promise<void>
}

/** `app.net`: the listeners. */
export interface NetApi {
  /** Listens on an address and port, a Unix socket path, or an inherited `{ fd }`, for a kind. */
  listen: {
    (address: string, port: number, options: ListenOptions): Promise<ListenerInfo[]>
    (path: string, options: ListenOptions): Promise<ListenerInfo[]>
    (fd: { fd: number }, options: ListenOptions): Promise<ListenerInfo[]>
  }
  /** Closes the listeners on that address (and port) gracefully; the others are untouched. */
  close: (address: string, port?: number) => Promise<void>
  /** Every listener: kind, address and port or path, TLS, protocols, open connections. */
  list: () => ListenerInfo[]
  /** Ready, or why not: draining, a listener not bound, a systemd socket not adopted (what `/readyz` answers). */
  readiness: () => Readiness
  /** Readiness flips at once; each kind serves for its `drainDelay`, then its listeners close gracefully (WebSockets get 1001). */
  drain: () => Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    http: HttpApi
    net: NetApi
  }
}

export interface KindRouterOptions {
  /** A folder to also write the ephemeral certificate and key (mode 0600) to, for clients that need the file. Default: none, they stay in memory. */
  certDir?: string
  /** Adopt listening sockets from systemd (`LISTEN_FDS`, named by kind). Default true. */
  socketActivation?: boolean
}

const kRouter = Symbol('kinds.router')

const kindRouter: FastifyPluginAsync<KindRouterOptions> = async function kindRouter (app, options) {
  const router = new Router({
    log: app.log,
    certDir: options.certDir,
    socketActivation: options.socketActivation ?? true
  })
  const snippets: Record<string, Snippet> = {}
  const http: HttpApi & { [kRouter]: Router } = {
    [kRouter]: router,
    get configs () {
      return Object.assign(router.userConfigs(), { _builtin: router.builtinConfigs() })
    },
    snippets,
    config: (conf, kind) => lazy(router.config(conf, kind))
  }
  const net: NetApi = {
    listen: ((address: string | { fd: number }, port?: number | ListenOptions, opts?: ListenOptions) => router.listen(address, port, opts)) as NetApi['listen'],
    close: (address, port) => router.close(address, port),
    list: () => router.list(),
    readiness: () => router.readiness(),
    drain: () => router.drain()
  }
  app.decorate('http', http)
  app.decorate('net', net)
  app.addHook('onClose', async () => router.closeAll())
  await router.start()
}

/** The router behind an app's `http`, for the packages that add built-in kinds. */
export function routerOf (http: HttpApi): Router {
  return (http as HttpApi & { [kRouter]: Router })[kRouter]
}

/**
 * A rejection nobody awaits must not crash the process: `http.config` is often
 * called without `await`, as in the original. A build failure is logged either way.
 */
function lazy (promise: Promise<void>): Promise<void> {
  promise.catch(() => {})
  return promise
}

export default fp(kindRouter, { fastify: '5.x', name: '@kinds/kind-router' })
export { kindRouter }
export type { KindConfig, KindPlugin, ResolvedConfig } from './config.js'
export { formatAddress, type ListenerInfo, type ListenTarget } from './listener.js'
export type { ListenOptions } from './addresses.js'
export type { Router } from './router.js'
export { UNMATCHED_ROUTE, type RequestObserver, type CompletedRequest } from './kind.js'
export * as errors from './errors.js'
export * as tlsErrors from './tls-errors.js'
export { getEphemeralCertificate } from './certificates.js'
export { closeOnSignals, type CloseOnSignalsOptions, type Readiness } from './drain.js'
export type { AuthConfig, BasicAuth, BearerAuth } from './auth.js'
