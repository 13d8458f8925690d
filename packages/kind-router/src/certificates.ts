import type * as X509 from '@peculiar/x509'
import { KeyObject, X509Certificate, randomBytes, webcrypto } from 'node:crypto'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { hostname } from 'node:os'
import { join, resolve } from 'node:path'
import { KINDS_ERR_TLS_EPHEMERAL_OPTION, KINDS_ERR_TLS_EPHEMERAL_WRITE } from './tls-errors.js'

const DAY = 24 * 60 * 60 * 1000
export const EPHEMERAL_VALIDITY_MS = 90 * DAY
export const EPHEMERAL_RENEW_BEFORE_MS = 3 * DAY
export const EPHEMERAL_CERT_FILE = 'ephemeral-cert.pem'
export const EPHEMERAL_KEY_FILE = 'ephemeral-key.pem'

// setTimeout fires at once for delays past 2^31-1 ms (about 24.8 days), so long waits are chained.
const MAX_TIMER_MS = 2 ** 31 - 1
const RETRY_MS = 60 * 1000
// Tolerates clients whose clock runs a little behind ours.
const BACKDATE_MS = 5 * 60 * 1000
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }

let library: Promise<typeof X509> | undefined
// Loaded on first use (some 200 ms): a process given cert files never pays for it.
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API first.
function x509Library (): Promise<typeof X509> {
  library ??= import('reflect-metadata').then(() => import('@peculiar/x509'))
  return library
}

/** The part of a pino logger the TLS helpers use; Fastify's `app.log` fits. */
export interface TlsLogger {
  info (obj: object, msg?: string): void
  error (obj: object, msg?: string): void
}

/** A self-signed EC P-256 certificate and its key, both PEM. */
export interface EphemeralCertificate {
  readonly cert: string
  readonly key: string
  /** SHA-256 of the DER certificate, as `X509Certificate#fingerprint256` writes it (`AB:CD:...`). */
  readonly fingerprint256: string
  readonly notBefore: Date
  readonly notAfter: Date
  /** The DNS names and IP addresses in the subjectAltName. */
  readonly altNames: readonly string[]
  /** Set when `dir` was given: the certificate PEM there, rewritten in place on renewal. */
  readonly certFile?: string
  /** Set when `dir` was given: the key PEM there (mode 0600), rewritten in place on renewal. */
  readonly keyFile?: string
}

export interface GetEphemeralOptions {
  /** Also write the certificate and key to files in this directory (created if missing). */
  dir?: string
  /** Where to log the fingerprint when a certificate is made and errors while renewing. */
  log?: TlsLogger
}

export interface EphemeralStoreOptions {
  /** How long a certificate is valid. Default: 90 days. */
  validityMs?: number
  /** How long before expiry it is remade. Default: 3 days; less than `validityMs`. */
  renewBeforeMs?: number
  log?: TlsLogger
}

/** Called with the new certificate after a renewal; its files, if any, are already rewritten. */
export type RenewListener = (certificate: EphemeralCertificate) => void

export interface EphemeralCertificateStore {
  get (options?: GetEphemeralOptions): Promise<EphemeralCertificate>
  /** Subscribes to renewals; the timer runs, unref'd, while someone listens. Returns the unsubscriber. */
  onRenew (listener: RenewListener): () => void
  /** Drops every listener and the timer. */
  stop (): void
}

interface CertificateFiles { certFile: string, keyFile: string }
interface Generation {
  certificate: EphemeralCertificate
  renewAt: number
  files: Map<string, Promise<CertificateFiles>>
}

function checkDuration (name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new KINDS_ERR_TLS_EPHEMERAL_OPTION(name, `must be a positive integer of milliseconds, got ${String(value)}`)
  }
  return value
}

function hostNames (): string[] {
  const names = [hostname().toLowerCase(), 'localhost', '127.0.0.1', '::1']
  return [...new Set(names.filter(name => name !== ''))]
}

async function makeCertificate (validityMs: number): Promise<EphemeralCertificate> {
  const now = Date.now()
  // X.509 times have whole seconds; round here so notAfter is what the certificate says.
  const notBefore = new Date(Math.floor((now - BACKDATE_MS) / 1000) * 1000)
  const notAfter = new Date(Math.floor((now + validityMs) / 1000) * 1000)
  const altNames = hostNames()
  const x509 = await x509Library()
  const serial = randomBytes(16)
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40 // positive and 16 bytes long, as RFC 5280 asks
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: [{ CN: [(altNames[0] ?? 'localhost').slice(0, 64)] }],
    notBefore,
    notAfter,
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        altNames.map(value => ({ type: isIP(value) === 0 ? 'dns' : 'ip', value }))
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto)
    ]
  }, webcrypto)
  const cert = certificate.toString('pem') + '\n'
  const key = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString()
  const { fingerprint256 } = new X509Certificate(cert)
  return Object.freeze({ cert, key, fingerprint256, notBefore, notAfter, altNames: Object.freeze(altNames) })
}

// Write next to the target and rename, so a reader never sees half a file and the key is 0600 from the start.
async function writeAtomic (path: string, data: string, mode: number): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`
  try {
    await writeFile(temporary, data, { mode, flag: 'wx' })
    await rename(temporary, path)
  } catch (err) {
    await rm(temporary, { force: true })
    throw err
  }
}

async function writeFiles (dir: string, certificate: EphemeralCertificate): Promise<CertificateFiles> {
  const keyFile = join(dir, EPHEMERAL_KEY_FILE)
  const certFile = join(dir, EPHEMERAL_CERT_FILE)
  let path = dir
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    path = keyFile
    await writeAtomic(keyFile, certificate.key, 0o600)
    path = certFile
    await writeAtomic(certFile, certificate.cert, 0o644)
  } catch (err) {
    throw new KINDS_ERR_TLS_EPHEMERAL_WRITE(path, (err as Error).message, { cause: err })
  }
  return { certFile, keyFile }
}

/**
 * A source of ephemeral certificates: one at a time, made on first use and remade
 * `renewBeforeMs` before it expires. The module keeps one, shared by every caller.
 */
export function createEphemeralCertificateStore (options: EphemeralStoreOptions = {}): EphemeralCertificateStore {
  const validityMs = checkDuration('validityMs', options.validityMs ?? EPHEMERAL_VALIDITY_MS)
  const renewBeforeMs = checkDuration('renewBeforeMs', options.renewBeforeMs ?? EPHEMERAL_RENEW_BEFORE_MS)
  if (renewBeforeMs >= validityMs) {
    throw new KINDS_ERR_TLS_EPHEMERAL_OPTION('renewBeforeMs', `must be less than validityMs (${validityMs}), got ${renewBeforeMs}`)
  }
  let log = options.log
  const listeners = new Set<RenewListener>()
  const dirs = new Set<string>()
  let latest: Generation | undefined
  let pending: Promise<Generation> | undefined
  let timer: NodeJS.Timeout | undefined

  function generate (): Promise<Generation> {
    pending ??= makeCertificate(validityMs).then(async certificate => {
      const generation: Generation = { certificate, renewAt: certificate.notAfter.getTime() - renewBeforeMs, files: new Map() }
      for (const dir of dirs) {
        await filesOf(generation, dir).catch(err => log?.error({ err }, 'cannot write the renewed ephemeral certificate'))
      }
      const renewed = latest !== undefined
      latest = generation
      const { fingerprint256, notAfter, altNames } = certificate
      log?.info({ fingerprint256, notAfter, altNames }, renewed ? 'ephemeral TLS certificate renewed' : 'ephemeral TLS certificate made')
      if (renewed) {
        for (const listener of listeners) {
          try {
            listener(certificate)
          } catch (err) {
            log?.error({ err }, 'an ephemeral certificate renewal listener threw')
          }
        }
      }
      return generation
    }).finally(() => { pending = undefined })
    return pending
  }

  function filesOf (generation: Generation, dir: string): Promise<CertificateFiles> {
    let files = generation.files.get(dir)
    if (files === undefined) {
      files = writeFiles(dir, generation.certificate)
      generation.files.set(dir, files)
      files.catch(() => generation.files.delete(dir))
    }
    return files
  }

  function schedule (delay: number): void {
    timer = setTimeout(tick, Math.min(delay, MAX_TIMER_MS)).unref()
  }

  function arm (): void {
    if (timer !== undefined || latest === undefined || listeners.size === 0) return
    schedule(Math.max(latest.renewAt - Date.now(), 0))
  }

  function tick (): void {
    timer = undefined
    if (latest !== undefined && Date.now() < latest.renewAt) return arm()
    generate().then(arm, err => {
      log?.error({ err }, 'cannot renew the ephemeral TLS certificate')
      if (timer === undefined && listeners.size > 0) schedule(RETRY_MS)
    })
  }

  function disarm (): void {
    clearTimeout(timer)
    timer = undefined
  }

  return {
    async get (getOptions = {}) {
      log = getOptions.log ?? log
      // A renewal in flight is waited for; a late timer (a suspended laptop) or none: renew on the spot.
      const generation = pending !== undefined || latest === undefined || Date.now() >= latest.renewAt
        ? await generate()
        : latest
      arm()
      if (getOptions.dir === undefined) return generation.certificate
      const dir = resolve(getOptions.dir)
      const files = await filesOf(generation, dir)
      dirs.add(dir)
      return Object.freeze({ ...generation.certificate, ...files })
    },
    onRenew (listener) {
      listeners.add(listener)
      arm()
      return () => {
        listeners.delete(listener)
        if (listeners.size === 0) disarm()
      }
    },
    stop () {
      listeners.clear()
      disarm()
    }
  }
}

const shared = createEphemeralCertificateStore()

/** The process's ephemeral certificate, made on the first call (in some tens of milliseconds). */
export function getEphemeralCertificate (options?: GetEphemeralOptions): Promise<EphemeralCertificate> {
  return shared.get(options)
}

/** Calls `listener` after each renewal of the shared certificate, e.g. to `server.setSecureContext()`. */
export function onRenew (listener: RenewListener): () => void {
  return shared.onRenew(listener)
}

/** Drops every renewal listener of the shared certificate and its timer. */
export function stopRenewal (): void {
  shared.stop()
}
