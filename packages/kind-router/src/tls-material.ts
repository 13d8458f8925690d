import type { SecureContextOptions } from 'node:tls'
import type { FastifyBaseLogger } from 'fastify'
import { getEphemeralCertificate, onRenew } from './certificates.js'
import { loadCertificateFiles, watchCertificateFiles, type CertificateWatcher } from './cert-files.js'

type Update = (context: SecureContextOptions) => void

/**
 * The certificate of one kind: the user's files (checked now, reloaded when they
 * change) or the process's ephemeral one (renewed before expiry).
 */
export class TlsMaterial {
  #context: SecureContextOptions | undefined
  #ephemeral = false
  #stop: (() => void) | undefined
  readonly #onUpdate: Update
  readonly #log: FastifyBaseLogger

  constructor (onUpdate: Update, log: FastifyBaseLogger) {
    this.#onUpdate = onUpdate
    this.#log = log
  }

  get context (): SecureContextOptions | undefined {
    return this.#context
  }

  /** True while the process's self-signed certificate is served. */
  get ephemeral (): boolean {
    return this.#ephemeral
  }

  /** Reads and checks the files synchronously, so a bad pair is refused when it is configured. */
  useFiles (cert: string, key: string): void {
    const pair = loadCertificateFiles({ cert, key })
    this.#replace(() => {
      const watcher: CertificateWatcher = watchCertificateFiles({ cert, key }, next => {
        this.#context = { cert: next.cert, key: next.key }
        this.#log.info({ cert, fingerprint256: next.fingerprint256 }, 'certificate reloaded')
        this.#onUpdate(this.#context)
      }, { log: this.#log })
      return () => watcher.close()
    })
    this.#context = { cert: pair.cert, key: pair.key }
    this.#ephemeral = false
    this.#onUpdate(this.#context)
  }

  /** The process's self-signed certificate, shared by every kind. */
  async useEphemeral (dir: string | undefined): Promise<void> {
    const certificate = await getEphemeralCertificate({ dir, log: this.#log })
    this.#replace(() => onRenew(next => {
      this.#context = { cert: next.cert, key: next.key }
      this.#onUpdate(this.#context)
    }))
    this.#context = { cert: certificate.cert, key: certificate.key }
    this.#ephemeral = true
    this.#onUpdate(this.#context)
  }

  close (): void {
    this.#stop?.()
    this.#stop = undefined
  }

  #replace (start: () => () => void): void {
    this.close()
    this.#stop = start()
  }
}
