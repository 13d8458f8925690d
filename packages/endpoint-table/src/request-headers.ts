import type { FastifyRequest } from 'fastify'

/**
 * The request's headers as the original's `h`: `h.get(':method')`, `h.get(':path')`,
 * `h.get(':authority')`, `h.get(':scheme')` and any header by its name, in any case.
 */
export class RequestHeaders implements Iterable<[string, string]> {
  readonly #request: FastifyRequest

  constructor (request: FastifyRequest) {
    this.#request = request
  }

  /** The value of a header or pseudo-header; several values of one header joined by `, `. */
  get (name: string): string | undefined {
    const key = name.toLowerCase()
    if (key.charCodeAt(0) === 58 /* : */) return this.#pseudo(key)
    const value = this.#request.raw.headers[key]
    return Array.isArray(value) ? value.join(', ') : value
  }

  has (name: string): boolean {
    return this.get(name) !== undefined
  }

  /** Pseudo-headers first, then the headers as received (lower-case names). */
  * entries (): IterableIterator<[string, string]> {
    for (const name of [':method', ':path', ':authority', ':scheme']) {
      const value = this.#pseudo(name)
      if (value !== undefined) yield [name, value]
    }
    for (const [name, value] of Object.entries(this.#request.raw.headers)) {
      if (name.charCodeAt(0) === 58 || value === undefined) continue
      yield [name, Array.isArray(value) ? value.join(', ') : value]
    }
  }

  [Symbol.iterator] (): IterableIterator<[string, string]> {
    return this.entries()
  }

  #pseudo (name: string): string | undefined {
    const raw = this.#request.raw
    switch (name) {
      case ':method': return raw.method
      case ':path': return raw.url
      case ':authority': {
        const value = raw.headers[':authority'] ?? raw.headers.host
        return typeof value === 'string' ? value : undefined
      }
      case ':scheme': return this.#request.protocol
      default: return undefined
    }
  }
}
