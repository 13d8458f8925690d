// Debian tools some tests run: absent locally the test is skipped with the install line; in CI it runs and fails.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

export const PROMTOOL = '/usr/bin/promtool'
export const PROMETHEUS = '/usr/bin/prometheus'
/** Debian's python3 with Debian's prometheus_client: the strict OpenMetrics parser of the Prometheus project. */
export const PYTHON = '/usr/bin/python3'

/** tap's `skip` option for a test that needs `binary` (and, for python, a module). */
export function needs (binary: string, install: string, pythonModule?: string): false | string {
  if (process.env.CI === 'true') return false
  if (!existsSync(binary)) return `${binary} is absent: apt-get install ${install}`
  if (pythonModule !== undefined && spawnSync(binary, ['-c', `import ${pythonModule}`]).status !== 0) {
    return `${binary} cannot import ${pythonModule}: apt-get install ${install}`
  }
  return false
}

/** Runs a tool with `input` on stdin; its exit code and both outputs. */
export function runTool (binary: string, args: string[], input = ''): { status: number | null, stdout: string, stderr: string } {
  const r = spawnSync(binary, args, { input, encoding: 'utf8', timeout: 30_000 })
  if (r.error !== undefined) throw r.error
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}
