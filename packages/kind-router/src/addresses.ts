import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { KINDS_ERR_LISTEN_ARGS } from './errors.js'
import type { ListenTarget } from './listener.js'

/** Options of `net.listen`. */
export interface ListenOptions {
  /** The kind this listener serves. */
  kind: string
}

/** `net.listen` arguments: (address, port, options), (path, options) or ({ fd }, options). */
export function parseListenArgs (address: unknown, port: unknown, options: unknown): { target: ListenTarget | { hostname: string, port: number }, options: ListenOptions } {
  let opts = options
  let target: ListenTarget | { hostname: string, port: number }
  if (typeof address === 'object' && address !== null && 'fd' in address) {
    const fd = (address as { fd: unknown }).fd
    if (!Number.isInteger(fd) || (fd as number) < 0) throw new KINDS_ERR_LISTEN_ARGS(`fd must be a file descriptor number, got ${String(fd)}`)
    target = { fd: fd as number }
    if (opts === undefined) opts = port
  } else if (typeof address === 'string' && (address.startsWith('/') || address.startsWith('./'))) {
    target = { path: address }
    if (opts === undefined && typeof port === 'object') opts = port
  } else if (typeof address === 'string' && address !== '') {
    if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) {
      throw new KINDS_ERR_LISTEN_ARGS(`port of ${address} must be an integer from 0 to 65535, got ${String(port)}`)
    }
    const host = address.replace(/^\[(.*)\]$/, '$1')
    target = isIP(host) !== 0 ? { host, port: port as number } : { hostname: host, port: port as number }
  } else {
    throw new KINDS_ERR_LISTEN_ARGS(`address must be an IP address, a host name, a socket path or { fd }, got ${String(address)}`)
  }
  if (typeof opts !== 'object' || opts === null || typeof (opts as ListenOptions).kind !== 'string') {
    throw new KINDS_ERR_LISTEN_ARGS('options must name the kind: { kind: \'myservice\' }')
  }
  return { target, options: opts as ListenOptions }
}

/** Every address of a host name (`localhost` gives 127.0.0.1 and ::1). */
export async function resolveHost (hostname: string): Promise<string[]> {
  const found = await lookup(hostname, { all: true, verbatim: true })
  return [...new Set(found.map(a => a.address))]
}
