import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto'
import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs'
import { resolve } from 'node:path'
import type { TlsLogger } from './certificates.js'
import {
  KINDS_ERR_TLS_EXPIRED,
  KINDS_ERR_TLS_KEY_MISMATCH,
  KINDS_ERR_TLS_MISSING,
  KINDS_ERR_TLS_NO_CERTIFICATE,
  KINDS_ERR_TLS_NO_KEY,
  KINDS_ERR_TLS_NOT_PEM,
  KINDS_ERR_TLS_UNREADABLE
} from './tls-errors.js'

/** The `cert` and `key` options: paths of PEM files. */
export interface CertificateFileOptions {
  /** The certificate chain: the leaf first, then its intermediates. */
  cert: string
  /** The leaf's private key, unencrypted. */
  key: string
}

/** PEM strings for `tls.createSecureContext()`, with what was learnt checking them. */
export interface CertificatePair {
  readonly cert: string
  readonly key: string
  readonly certFile: string
  readonly keyFile: string
  /** Of the leaf, as `X509Certificate#fingerprint256` writes it. */
  readonly fingerprint256: string
  readonly notAfter: Date
  /** How many certificates the cert file holds, the leaf included. */
  readonly chainLength: number
}

export interface WatchCertificateOptions {
  log?: TlsLogger
  /** How often the files are stat'ed. Default: 1000 ms. */
  intervalMs?: number
  /** Quiet time after the last change before reloading, so cert and key are read as a pair. Default: intervalMs + 100. */
  debounceMs?: number
}

export interface CertificateWatcher {
  close (): void
}

export type ReloadListener = (pair: CertificatePair) => void

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g

function read (field: string, path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    throw new KINDS_ERR_TLS_UNREADABLE(field, path, (err as Error).message, { cause: err })
  }
}

function pemBlocks (field: string, path: string, text: string): Array<{ label: string, pem: string }> {
  const blocks = [...text.matchAll(PEM_BLOCK)].map(match => ({ label: match[1] ?? '', pem: match[0] }))
  if (blocks.length === 0) throw new KINDS_ERR_TLS_NOT_PEM(field, path, 'no "-----BEGIN ...-----" block')
  return blocks
}

function readChain (path: string): X509Certificate[] {
  const blocks = pemBlocks('cert', path, read('cert', path)).filter(block => block.label === 'CERTIFICATE')
  if (blocks.length === 0) throw new KINDS_ERR_TLS_NO_CERTIFICATE('cert', path)
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block.pem)
    } catch (err) {
      throw new KINDS_ERR_TLS_NOT_PEM('cert', path, `certificate ${i + 1} cannot be parsed: ${(err as Error).message}`)
    }
  })
}

function readKey (path: string): KeyObject {
  const block = pemBlocks('key', path, read('key', path)).find(block => block.label.endsWith('PRIVATE KEY'))
  if (block === undefined) throw new KINDS_ERR_TLS_NO_KEY('key', path)
  if (block.label === 'ENCRYPTED PRIVATE KEY' || block.pem.includes('ENCRYPTED')) {
    throw new KINDS_ERR_TLS_NOT_PEM('key', path, 'the private key is encrypted; an unencrypted key is needed')
  }
  try {
    return createPrivateKey(block.pem)
  } catch (err) {
    throw new KINDS_ERR_TLS_NOT_PEM('key', path, `the private key cannot be parsed: ${(err as Error).message}`)
  }
}

function keyMatches (leaf: X509Certificate, key: KeyObject): boolean {
  try {
    return leaf.checkPrivateKey(key)
  } catch {
    return false
  }
}

/**
 * Reads and checks the `cert` and `key` files, at config time: each must be readable PEM,
 * the key must match the first (leaf) certificate and the leaf must not have expired.
 * Throws a KINDS_ERR_TLS_... error naming the field and the path.
 */
export function loadCertificateFiles (files: CertificateFileOptions, now: Date = new Date()): CertificatePair {
  for (const [field, other] of [['cert', 'key'], ['key', 'cert']] as const) {
    if (typeof files[field] !== 'string' || files[field] === '') throw new KINDS_ERR_TLS_MISSING(field, other)
  }
  const certFile = resolve(files.cert)
  const keyFile = resolve(files.key)
  const chain = readChain(certFile)
  const keyObject = readKey(keyFile)
  const leaf = chain[0] as X509Certificate
  if (!keyMatches(leaf, keyObject)) throw new KINDS_ERR_TLS_KEY_MISMATCH('key', keyFile, certFile)
  const notAfter = new Date(leaf.validTo)
  if (notAfter.getTime() < now.getTime()) throw new KINDS_ERR_TLS_EXPIRED('cert', certFile, notAfter.toISOString())
  return {
    cert: chain.map(certificate => certificate.toString()).join(''),
    key: keyObject.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certFile,
    keyFile,
    fingerprint256: leaf.fingerprint256,
    notAfter,
    chainLength: chain.length
  }
}

/**
 * Polls the two files and, once they have settled after a change, reloads and re-checks
 * them and hands the new pair to `onReload`. A bad new pair is logged and the old one kept.
 * Polling (not inotify) follows renames and symlink swaps such as certbot's and Kubernetes'.
 * Neither the polling nor the debounce timer keeps the process alive.
 */
export function watchCertificateFiles (
  files: CertificateFileOptions,
  onReload: ReloadListener,
  options: WatchCertificateOptions = {}
): CertificateWatcher {
  const { log } = options
  const intervalMs = options.intervalMs ?? 1000
  const debounceMs = options.debounceMs ?? intervalMs + 100
  const certFile = resolve(files.cert)
  const keyFile = resolve(files.key)
  const resolved = { cert: certFile, key: keyFile }
  // One file may hold both.
  const paths = [...new Set([certFile, keyFile])]
  let current: CertificatePair | undefined
  try {
    current = loadCertificateFiles(resolved)
  } catch {
    // The caller checked the files at config time; a pair that is bad now is reported on the next change.
  }
  let debounce: NodeJS.Timeout | undefined
  let closed = false

  function reload (): void {
    debounce = undefined
    if (closed) return
    let next: CertificatePair
    try {
      next = loadCertificateFiles(resolved)
    } catch (err) {
      log?.error({ err, certFile, keyFile }, 'the TLS certificate files changed but cannot be used; keeping the previous pair')
      return
    }
    if (current !== undefined && current.cert === next.cert && current.key === next.key) return
    current = next
    log?.info({ fingerprint256: next.fingerprint256, notAfter: next.notAfter, certFile: next.certFile }, 'TLS certificate reloaded')
    try {
      onReload(next)
    } catch (err) {
      log?.error({ err }, 'a TLS certificate reload listener threw')
    }
  }

  function changed (curr: Stats, prev: Stats): void {
    if (closed || (curr.mtimeMs === prev.mtimeMs && curr.ino === prev.ino && curr.size === prev.size)) return
    clearTimeout(debounce)
    debounce = setTimeout(reload, debounceMs).unref()
  }

  for (const path of paths) watchFile(path, { interval: intervalMs, persistent: false }, changed)
  // Polling takes its first stat later, in the background: a change made before then is caught by this first look.
  debounce = setTimeout(reload, debounceMs).unref()

  return {
    close () {
      closed = true
      clearTimeout(debounce)
      for (const path of paths) unwatchFile(path, changed)
    }
  }
}
