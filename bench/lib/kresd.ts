import { execFileSync } from 'node:child_process'
import { copyFile, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServer, type ServerProcess } from './server-process.ts'

const config = fileURLToPath(new URL('../servers/kresd.lua', import.meta.url))

const binary = process.env.KRESD ?? '/usr/sbin/kresd'

/** `Knot Resolver, version 5.6.0`, for the report. */
export function kresdVersion (): string {
  return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim()
}

/** Whether the kresd binary is there to run. */
export function kresdAvailable (): boolean {
  try {
    kresdVersion()
    return true
  } catch {
    return false
  }
}

/**
 * Starts one kresd (single-threaded) with bench/servers/kresd.lua in a fresh temp dir; `env`
 * reaches the config (`BENCH_TLS=true` with `BENCH_CERT` and `BENCH_KEY` for TLS).
 */
export async function startKresd (name = 'kresd', env: Record<string, string> = {}): Promise<ServerProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'kinds-bench-kresd-'))
  try {
    await copyFile(config, join(dir, 'config.lua'))
    const port = String(await freePort())
    const server = await startServer(name, binary, ['-n', '-c', join(dir, 'config.lua'), dir], { ...env, BENCH_PORT: port })
    return {
      ...server,
      async stop () {
        await server.stop()
        await rm(dir, { recursive: true, force: true })
      }
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}

/** kresd cannot listen on port 0 and tell us, so the port is picked here. */
function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')))
    })
  })
}
