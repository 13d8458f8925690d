import cluster from 'node:cluster'
import { lstat, unlink } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createConnection } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2'
import type { SecureContextOptions } from 'node:tls'
import type { Duplex } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import type { WebSocket } from 'ws'
import { observeWebSockets } from '@kinds/endpoint-table'
import { builtinAll, checkConfig, mergeConfig, type KindConfig, type ResolvedConfig } from './config.js'
import { buildInstance, Generation, type RequestObserver } from './kind.js'
import { formatAddress, Listener, listenerOf, type ListenerHost, type ListenerInfo, type ListenTarget } from './listener.js'
import { TlsMaterial } from './tls-material.js'
import { Deadlines } from './deadlines.js'
import { parseListenArgs, resolveHost } from './addresses.js'
import { inheritedSockets, type InheritedSocket } from './systemd.js'
import type { Readiness } from './drain.js'
import {
  KINDS_ERR_ADDRESS_IN_USE,
  KINDS_ERR_CLOSED,
  KINDS_ERR_KIND_BUILD,
  KINDS_ERR_KIND_CONFIG,
  KINDS_ERR_LISTEN,
  KINDS_ERR_LISTEN_ARGS,
  KINDS_ERR_NOT_LISTENING,
  KINDS_ERR_UNKNOWN_KIND,
  withCause
} from './errors.js'

/** A kind: its config layers, its current generation and its certificate. */
interface KindState {
  name: string
  config: ResolvedConfig
  generation: Generation | undefined
  /** Builds run one after the other, so the last config given is the one that stays. */
  queue: Promise<void>
  tls: TlsMaterial
}

export interface RouterOptions {
  log: FastifyBaseLogger
  certDir: string | undefined
  socketActivation: boolean
}

/** The state behind `app.http` and `app.net`. */
export class Router implements ListenerHost {
  readonly log: FastifyBaseLogger
  readonly #certDir: string | undefined
  readonly #builtin = new Map<string, KindConfig>([['webmgmt', {}]])
  readonly #user = new Map<string, KindConfig>()
  #all: KindConfig = {}
  readonly #kinds = new Map<string, KindState>()
  readonly #listeners = new Set<Listener>()
  readonly #inherited: InheritedSocket[]
  #closed = false
  #draining: Promise<void> | undefined
  /** Ends the drain delays early when the app closes anyway. */
  readonly #drainWait = new AbortController()
  /** Told of every completed request of every kind. */
  readonly requestObservers = new Set<RequestObserver>()
  /** Told of every WebSocket opened on any kind; the socket tells its own close. */
  readonly websocketObservers = new Set<(kind: string, ws: WebSocket) => void>()
  /** Body deadlines and handler timeouts of every kind: one sweep, no timer per request. */
  readonly deadlines = new Deadlines()

  constructor (options: RouterOptions) {
    this.log = options.log
    this.#certDir = options.certDir
    // Under a cluster systemd's sockets were passed to the primary (LISTEN_PID is its pid): a worker adopts none.
    this.#inherited = options.socketActivation && !cluster.isWorker ? inheritedSockets() : []
    if (options.socketActivation && cluster.isWorker && process.env.LISTEN_FDS !== undefined) {
      this.log.warn({ LISTEN_FDS: process.env.LISTEN_FDS, LISTEN_PID: process.env.LISTEN_PID }, 'socket activation does not work in a cluster worker: the sockets systemd passed are the primary\'s, none is adopted; run one process under socket activation')
    }
  }

  // ---- http.config ----

  /** Built-in layers, copied so that changing them changes nothing. */
  builtinConfigs (): Record<string, KindConfig> {
    const out: Record<string, KindConfig> = { all: copy(builtinAll) }
    for (const [name, conf] of this.#builtin) out[name] = copy(conf)
    return out
  }

  userConfigs (): Record<string, KindConfig> {
    const out: Record<string, KindConfig> = {}
    for (const [name, conf] of this.#user) out[name] = copy(conf)
    return out
  }

  /** Sets or replaces the built-in layer of a kind (what snippets-ui does for webmgmt). */
  defineBuiltin (kind: string, conf: KindConfig): Promise<void> {
    this.#builtin.set(kind, checkConfig(kind, conf))
    return this.#schedule(kind)
  }

  config (conf: KindConfig | null, kind?: string): Promise<void> {
    if (this.#closed) throw new KINDS_ERR_CLOSED()
    if (kind === undefined) {
      if (conf === null) throw new KINDS_ERR_KIND_CONFIG('*', '(config)', 'only a named kind can be removed')
      this.#all = checkConfig('*', conf)
      return Promise.all([...this.#kinds.keys()].map(name => this.#schedule(name))).then(() => {})
    }
    if (typeof kind !== 'string' || kind === '' || kind.startsWith('_')) {
      throw new KINDS_ERR_KIND_CONFIG(String(kind), '(kind)', 'a kind is a non-empty name not starting with "_"')
    }
    if (conf === null) return this.#remove(kind)
    const checked = checkConfig(kind, conf)
    const merged = this.#merge(kind, checked)
    if (merged.tls === true && merged.cert === undefined && !merged.ephemeral) {
      throw new KINDS_ERR_KIND_CONFIG(kind, 'tls', 'TLS needs cert and key, or ephemeral: true')
    }
    // Certificate files are read and checked now, so a bad pair is refused when given.
    if (merged.cert !== undefined && merged.key !== undefined && merged.tls !== false) {
      try {
        this.#state(kind).tls.useFiles(merged.cert, merged.key)
      } catch (err) {
        // The certificate errors name the field and the file; say which kind too.
        (err as Error).message = `Kind "${kind}": ${(err as Error).message}`
        if (!this.#exists(kind)) this.#kinds.delete(kind)
        throw err
      }
    }
    this.#user.set(kind, checked)
    return this.#schedule(kind)
  }

  kinds (): string[] {
    return [...this.#kinds.keys()].filter(kind => this.#exists(kind))
  }

  #merge (kind: string, user = this.#user.get(kind)): ResolvedConfig {
    return mergeConfig(builtinAll, this.#builtin.get(kind), this.#all, user)
  }

  #state (kind: string): KindState {
    let state = this.#kinds.get(kind)
    if (state === undefined) {
      state = {
        name: kind,
        config: this.#merge(kind),
        generation: undefined,
        queue: Promise.resolve(),
        tls: new TlsMaterial(context => this.#onCertificate(kind, context), this.log.child({ kind }))
      }
      this.#kinds.set(kind, state)
    }
    return state
  }

  #schedule (kind: string): Promise<void> {
    const state = this.#state(kind)
    const build = state.queue.then(() => this.#build(state))
    state.queue = build.catch(() => {})
    return build
  }

  async #build (state: KindState): Promise<void> {
    if (this.#closed || !this.#exists(state.name)) return
    const config = this.#merge(state.name)
    try {
      // The self-signed certificate is made when a listener needs it, not for kinds that never listen.
      if (this.#listenersOf(state.name).length > 0) await this.#ensureCertificate(state.name, config)
      const built = await buildInstance(state.name, config, this.log, this.requestObservers, this.deadlines)
      const instance = built.instance
      observeWebSockets(instance, (ws: WebSocket, req: IncomingMessage) => {
        listenerOf(req.socket)?.trackWebSocket(ws)
        for (const observe of this.websocketObservers) observe(state.name, ws)
      })
      if (this.#closed) {
        await instance.close()
        return
      }
      const previous = state.generation
      state.config = config
      state.generation = new Generation(built)
      previous?.retire()
    } catch (err) {
      const error = err instanceof Error && (err as { code?: string }).code?.startsWith('KINDS_ERR_') === true
        ? err
        : withCause(new KINDS_ERR_KIND_BUILD(state.name, (err as Error).message), err)
      this.log.error({ err: error, kind: state.name }, 'kind not (re)built: it keeps its previous table')
      throw error
    }
    for (const listener of this.#listenersOf(state.name)) listener.applyConfig()
    // The table serves once systemd's sockets for it are adopted, so net.list() shows them.
    await this.#adoptInherited()
  }

  /** A kind that may speak TLS and has no files of its own serves the process's ephemeral certificate. */
  async #ensureCertificate (kind: string, config: ResolvedConfig): Promise<void> {
    const state = this.#kinds.get(kind)
    if (state === undefined || config.tls === false || config.cert !== undefined || !config.ephemeral) return
    if (state.tls.context === undefined || !state.tls.ephemeral) await state.tls.useEphemeral(this.#certDir)
  }

  #listenersOf (kind: string): Listener[] {
    return [...this.#listeners].filter(l => l.kind === kind)
  }

  #exists (kind: string): boolean {
    return this.#builtin.has(kind) || this.#user.has(kind)
  }

  // Not async: a kind that cannot be removed is refused at once, with a throw, not a rejection.
  #remove (kind: string): Promise<void> {
    if (this.#builtin.has(kind)) throw new KINDS_ERR_KIND_CONFIG(kind, '(kind)', 'a built-in kind cannot be removed')
    const state = this.#kinds.get(kind)
    if (!this.#user.has(kind) || state === undefined) throw new KINDS_ERR_UNKNOWN_KIND(kind, 'http.config(null, kind) removes an existing kind')
    this.#user.delete(kind)
    return this.#drop(kind, state)
  }

  async #drop (kind: string, state: KindState): Promise<void> {
    await Promise.all(this.#listenersOf(kind).map(l => this.#closeListener(l)))
    await state.queue
    this.#kinds.delete(kind)
    state.tls.close()
    state.generation?.retire()
  }

  #onCertificate (kind: string, context: SecureContextOptions): void {
    for (const listener of this.#listenersOf(kind)) listener.setSecureContext(context)
  }

  // ---- ListenerHost ----

  kindConfig (kind: string): ResolvedConfig {
    return this.#kinds.get(kind)?.config ?? this.#merge(kind)
  }

  secureContext (kind: string): SecureContextOptions | undefined {
    return this.#kinds.get(kind)?.tls.context
  }

  dispatch (kind: string, req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void {
    const generation = this.#kinds.get(kind)?.generation
    if (generation === undefined) {
      res.statusCode = 503
      res.end()
      return
    }
    // The instance counts the request in flight itself (kind.ts): nothing to add per request here.
    generation.instance.routing(req as IncomingMessage, res as ServerResponse)
  }

  upgrade (kind: string, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const generation = this.#kinds.get(kind)?.generation
    if (generation === undefined) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n')
      return
    }
    generation.enter()
    socket.once('close', () => generation.leave())
    generation.instance.server.emit('upgrade', req, socket, head)
  }

  // ---- net ----

  /** `net.listen(address, port, { kind })`, `(path, { kind })` or `({ fd }, { kind })`. */
  listen (address: unknown, port?: unknown, options?: unknown): Promise<ListenerInfo[]> {
    if (this.#closed) throw new KINDS_ERR_CLOSED()
    const { target, options: { kind } } = parseListenArgs(address, port, options)
    // Node's cluster would ask the primary to bind a descriptor of its own and fail with a bare `bind EEXIST` or `bind EINVAL`.
    if ('fd' in target && cluster.isWorker) throw new KINDS_ERR_LISTEN_ARGS(`{ fd: ${target.fd} } cannot be listened on in a cluster worker: a descriptor is the primary's; listen on a port or a path, or run one process`)
    if (!this.#exists(kind)) throw new KINDS_ERR_UNKNOWN_KIND(kind, 'net.listen needs a kind made with http.config')
    return this.#listen(kind, target)
  }

  async #listen (kind: string, target: ListenTarget | { hostname: string, port: number }): Promise<ListenerInfo[]> {
    const state = this.#state(kind)
    if (state.generation === undefined) await this.#schedule(kind)
    else await state.queue
    if ('hostname' in target) {
      const hosts = await resolveHost(target.hostname)
      const infos: ListenerInfo[] = []
      let port = target.port
      for (const host of hosts) {
        const [info] = await this.#listen(kind, { host, port })
        infos.push(info!)
        port = info!.port ?? port
      }
      return infos
    }
    return [await this.#bind(kind, target)]
  }

  /** Binds a listener of a kind that is built (not waiting for its queue: adoption runs inside a build). */
  async #bind (kind: string, target: ListenTarget): Promise<ListenerInfo> {
    if (this.#closed) throw new KINDS_ERR_CLOSED()
    await this.#ensureCertificate(kind, this.kindConfig(kind))
    // In a cluster worker the primary binds, and a second listen on a path would be a second handle of its: the stale file goes first.
    if (cluster.isWorker && 'path' in target && await isStaleSocket(target.path)) await unlink(target.path).catch(() => {})
    let listener = new Listener(kind, target, this)
    try {
      try {
        await listener.listen()
      } catch (err) {
        // A socket file left by a process that died: nothing answers on it, so it is replaced.
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !('path' in target) || !await isStaleSocket(target.path)) throw err
        this.log.info({ kind, path: target.path }, 'replacing a stale Unix socket file')
        await listener.close(0)
        await unlink(target.path)
        listener = new Listener(kind, target, this)
        await listener.listen()
      }
    } catch (err) {
      // A listener that never bound still has its HTTP servers' timers running.
      await listener.close(0).catch(() => {})
      const where = formatAddress(target)
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw withCause(new KINDS_ERR_ADDRESS_IN_USE(where, kind), err)
      throw withCause(new KINDS_ERR_LISTEN(where, kind, (err as Error).message), err)
    }
    // closeAll ran while this one was binding: it never saw it, so it must not stay open.
    if (this.#closed) {
      await listener.close(0)
      throw new KINDS_ERR_CLOSED()
    }
    this.#listeners.add(listener)
    const info = listener.info()
    this.log.info({ ...info, connections: undefined }, 'listening')
    return info
  }

  /** `net.close(address, port)` or `net.close(path)`: closes those listeners gracefully. */
  async close (address: string, port?: number): Promise<void> {
    const host = address.replace(/^\[(.*)\]$/, '$1')
    let hosts = [host]
    if (!host.startsWith('/') && !host.startsWith('./') && !host.includes(':') && !/^[\d.]+$/.test(host)) hosts = await resolveHost(host)
    const matching = [...this.#listeners].filter(l => {
      const t = l.target
      if ('path' in t) return t.path === host
      if ('fd' in t) return false
      return hosts.includes(t.host) && (port === undefined || l.port === port)
    })
    if (matching.length === 0) throw new KINDS_ERR_NOT_LISTENING(port === undefined ? address : `${address}:${port}`)
    await Promise.all(matching.map(l => this.#closeListener(l)))
  }

  list (): ListenerInfo[] {
    return [...this.#listeners].map(l => l.info())
  }

  async #closeListener (listener: Listener): Promise<void> {
    // Where it listened, read before closing: a closed socket has no address.
    const where = describeInfo(listener)
    await listener.close(this.kindConfig(listener.kind).closeGrace)
    this.#listeners.delete(listener)
    this.log.info({ kind: listener.kind, ...where }, 'listener closed')
  }

  /** Every listener closes gracefully, then every kind's instance. */
  async closeAll (): Promise<void> {
    this.#closed = true
    this.#drainWait.abort()
    await Promise.all([...this.#listeners].map(l => this.#closeListener(l)))
    for (const state of this.#kinds.values()) {
      await state.queue
      state.tls.close()
      await state.generation?.close()
    }
  }

  // ---- readiness and drain ----

  /** Ready: not draining, every listener bound and its kind built, every socket from systemd adopted. */
  readiness (): Readiness {
    if (this.#draining !== undefined || this.#closed) return { ready: false, reason: 'draining: the process is shutting down' }
    for (const listener of this.#listeners) {
      const info = listener.info()
      if (info.port === undefined && info.path === undefined) return { ready: false, reason: `a listener of kind "${listener.kind}" is not bound` }
      if (this.#kinds.get(listener.kind)?.generation === undefined) return { ready: false, reason: `kind "${listener.kind}" has no table to serve` }
    }
    const pending = this.#inherited[0]
    if (pending !== undefined) return { ready: false, reason: `socket fd ${pending.fd} from systemd waits for kind "${pending.name}"` }
    return { ready: true }
  }

  /** Readiness flips now; each kind keeps serving for its drainDelay, then its listeners close gracefully. */
  drain (): Promise<void> {
    this.#draining ??= (async () => {
      this.log.info('draining: not ready any more, listeners close after their kind\'s drainDelay')
      const kinds = new Set([...this.#listeners].map(l => l.kind))
      await Promise.all([...kinds].map(async kind => {
        const delay = this.kindConfig(kind).drainDelay
        if (delay > 0) await sleep(delay, undefined, { signal: this.#drainWait.signal }).catch(() => {})
        await Promise.all(this.#listenersOf(kind).map(l => this.#closeListener(l)))
      }))
    })()
    return this.#draining
  }

  /** Sockets from systemd are adopted as soon as the kind they name exists. */
  async #adoptInherited (): Promise<void> {
    const adopting: Array<Promise<unknown>> = []
    for (const socket of this.#inherited.splice(0)) {
      if (!this.#exists(socket.name) || this.#kinds.get(socket.name)?.generation === undefined) {
        this.#inherited.push(socket)
        continue
      }
      adopting.push(this.#bind(socket.name, { fd: socket.fd }).catch(err => {
        this.log.error({ err, fd: socket.fd, kind: socket.name }, 'cannot adopt a socket from systemd')
      }))
    }
    await Promise.all(adopting)
  }

  /** At start: sockets naming a kind that already exists (webmgmt) are adopted. */
  start (): Promise<void> {
    return Promise.all([...this.#builtin.keys()].map(kind => this.#schedule(kind))).then(() => {})
  }
}

/** A Unix socket file nothing listens on: connecting is refused. A live one, or no socket file at all, is not stale. */
async function isStaleSocket (path: string): Promise<boolean> {
  try {
    if (!(await lstat(path)).isSocket()) return false
  } catch {
    return false
  }
  return new Promise(resolve => {
    const probe = createConnection(path)
    probe.once('connect', () => {
      probe.destroy()
      resolve(false)
    })
    probe.once('error', err => resolve((err as NodeJS.ErrnoException).code === 'ECONNREFUSED'))
  })
}

function describeInfo (listener: Listener): Record<string, unknown> {
  const { address, port, path, fd } = listener.info()
  return { address, port, path, fd }
}

function copy (conf: KindConfig): KindConfig {
  return conf.endpoints === undefined ? { ...conf } : { ...conf, endpoints: { ...conf.endpoints } }
}
