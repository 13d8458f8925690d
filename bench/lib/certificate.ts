import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getEphemeralCertificate } from '@kinds/kind-router'

/** The PEM files every TLS server of a run is given, and how to remove them. */
export interface RunCertificate {
  cert: string
  key: string
  /** `BENCH_CERT` and `BENCH_KEY` for the servers' environment. */
  env: Record<string, string>
  remove (): Promise<void>
}

/**
 * Makes one self-signed EC P-256 certificate for the run (kind-router's own generator, the one
 * a kind without `cert` serves) and writes it to a fresh temp dir, so the kind (`cert`, `key`),
 * Fastify (`https`), node and kresd all serve the same certificate and key.
 */
export async function runCertificate (): Promise<RunCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'kinds-bench-tls-'))
  const made = await getEphemeralCertificate({ dir })
  const cert = made.certFile!
  const key = made.keyFile!
  return { cert, key, env: { BENCH_CERT: cert, BENCH_KEY: key }, remove: () => rm(dir, { recursive: true, force: true }) }
}
