import { execFileSync, spawn, type ChildProcess, type StdioOptions } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { settles } from './sockets.ts'

export { settles }

/** The path of a command on the PATH, or undefined. */
export function which (command: string): string | undefined {
  try {
    return execFileSync('which', [command], { encoding: 'utf8' }).trim() || undefined
  } catch {
    return undefined
  }
}

/** The workspace root, where `--import tsx` resolves. */
export const root = fileURLToPath(new URL('../../../..', import.meta.url))

export type Line = Record<string, unknown>
export interface Exit { code: number | null, signal: NodeJS.Signals | null }

export interface Child {
  process: ChildProcess
  /** Every stdout line so far, parsed as JSON (`{ text }` when it is not). */
  lines: Line[]
  stderr: () => string
  /** The first line (seen or to come) that `match` accepts; rejects if the child exits first or after `ms`. */
  line: (match: (line: Line) => boolean, what: string, ms?: number) => Promise<Line>
  exited: Promise<Exit>
}

/**
 * Spawns `command` from the workspace root with stdout and stderr piped (and
 * whatever `stdio` adds after them), without tap's loaders; SIGKILLed if the test ends first.
 */
export function startChild (t: Pick<Test, 'teardown'>, command: string, args: string[], env: NodeJS.ProcessEnv = {}, stdio: StdioOptions = []): Child {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env }
  delete childEnv.NODE_OPTIONS
  const child = spawn(command, args, { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe', ...(stdio as unknown[])] as StdioOptions })
  const exited = new Promise<Exit>(resolve => child.once('close', (code, signal) => resolve({ code, signal })))
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  let stderr = ''
  child.stderr!.on('data', chunk => { stderr += String(chunk) })
  const lines: Line[] = []
  const waiters = new Set<() => void>()
  createInterface({ input: child.stdout! }).on('line', text => {
    let line: Line
    try {
      line = JSON.parse(text) as Line
    } catch {
      line = { text }
    }
    lines.push(line)
    for (const wake of waiters) wake()
  })
  const line = (match: (line: Line) => boolean, what: string, ms = 20_000): Promise<Line> => settles(new Promise<Line>((resolve, reject) => {
    const check = (): void => {
      const found = lines.find(match)
      if (found === undefined) return
      waiters.delete(check)
      resolve(found)
    }
    waiters.add(check)
    check()
    exited.then(exit => {
      waiters.delete(check)
      reject(new Error(`the child exited (${JSON.stringify(exit)}) before ${what}: ${stderr}`))
    }, () => {})
  }), what, ms)
  return { process: child, lines, stderr: () => stderr, line, exited }
}

/** A port that was free a moment ago, for a child or a tool that cannot take port 0. */
export async function freePort (): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await new Promise(resolve => server.close(resolve))
  return port
}
