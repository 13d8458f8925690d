import { execFileSync } from 'node:child_process'

/** The first line a tool prints about its version, or undefined when it cannot be run. */
export function toolVersion (command: string, args: string[]): string | undefined {
  try {
    // wrk prints its version with a usage text and exits 1: read what it wrote either way.
    const out = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    return firstLine(out)
  } catch (err) {
    const { stdout, stderr, code } = err as { stdout?: string, stderr?: string, code?: string }
    if (code === 'ENOENT') return undefined
    const text = `${stdout ?? ''}${stderr ?? ''}`
    return text.trim() === '' ? undefined : firstLine(text)
  }
}

function firstLine (text: string): string {
  return text.trim().split('\n')[0]!.trim()
}

export const WRK = process.env.WRK ?? 'wrk'
export const H2LOAD = process.env.H2LOAD ?? 'h2load'

/** How to get a tool that is missing, for the skip message. */
export const install: Record<string, string> = {
  wrk: 'apt-get install wrk',
  h2load: 'apt-get install nghttp2-client',
  kresd: 'apt-get install knot-resolver knot-resolver-module-http'
}
