import { performance } from 'node:perf_hooks'
import { promisify } from 'node:util'
import { gzip as gzipCallback } from 'node:zlib'
import { Negotiator } from '@fastify/accept-negotiator'
import type { RequestHeaders, ServeHandler } from '@kinds/endpoint-table'

const gzip = promisify(gzipCallback)

interface Rendered {
  at: number
  /** The text encoded once: every scraper gets these bytes, not a fresh encoding of the string. */
  body: Buffer
  gzipped: Promise<Buffer> | undefined
}

/**
 * /metrics rendered at most once per `maxAge` ms: concurrent and close scrapers
 * share one render, and its gzip when they ask for it (Prometheus always does).
 */
export class MetricsCache {
  readonly #text: () => Promise<string>
  readonly #maxAge: number
  readonly #negotiator = new Negotiator({ supportedValues: ['gzip', 'identity'] })
  #rendered: Rendered | undefined
  #pending: Promise<Rendered> | undefined

  /** `render` makes the text: the registry's, or the sum over the workers in a cluster. */
  constructor (render: () => Promise<string>, maxAge: number) {
    this.#text = render
    this.#maxAge = maxAge
  }

  /** The /metrics handler: the cached text, gzipped when the client accepts gzip. */
  readonly serve: ServeHandler = async (h: RequestHeaders, stream) => {
    const rendered = await this.#fresh()
    stream.reply.header('vary', 'accept-encoding')
    if (this.#accepts(h.get('accept-encoding'))) {
      // A failed gzip is not kept: the next scraper tries again.
      rendered.gzipped ??= gzip(rendered.body).catch(err => {
        rendered.gzipped = undefined
        throw err
      })
      const body = await rendered.gzipped
      stream.reply.header('content-encoding', 'gzip')
      return body
    }
    return rendered.body
  }

  #accepts (header: string | undefined): boolean {
    return header !== undefined && header !== '' && this.#negotiator.negotiate(header) === 'gzip'
  }

  #fresh (): Promise<Rendered> {
    const rendered = this.#rendered
    if (rendered !== undefined && performance.now() - rendered.at < this.#maxAge) return Promise.resolve(rendered)
    this.#pending ??= this.#render().finally(() => { this.#pending = undefined })
    return this.#pending
  }

  async #render (): Promise<Rendered> {
    const text = await this.#text()
    // Stamped when the render ends, so a render slower than maxAge is still served to the next scrapers.
    this.#rendered = { at: performance.now(), body: Buffer.from(text), gzipped: undefined }
    return this.#rendered
  }
}
