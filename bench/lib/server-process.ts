import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { asServer } from './pin.ts'

/** A server running in a child process of its own. */
export interface ServerProcess {
  name: string
  port: number
  /** The child's pid, for reading its CPU time from /proc. */
  pid: number
  /** The lines the server printed before its `listening` line (servers/pair.ts: `pair <port>`). */
  said: string[]
  stop (): Promise<void>
}

export interface NodeServerOptions {
  /** Added to the driver's environment. */
  env?: Record<string, string>
  /** Node flags before `--import tsx`, e.g. `--cpu-prof --cpu-prof-dir=...`. */
  nodeFlags?: string[]
}

const root = fileURLToPath(new URL('../..', import.meta.url))

/** How long a server may take to exit after SIGTERM before it gets SIGKILL. */
const STOP_GRACE_MS = 15_000

/** Runs a TypeScript server of bench/servers under Node through tsx. */
export function startNodeServer (name: string, file: string, options: NodeServerOptions = {}): Promise<ServerProcess> {
  const script = fileURLToPath(new URL(`../servers/${file}`, import.meta.url))
  return startServer(name, process.execPath, [...options.nodeFlags ?? [], '--import', 'tsx', script], options.env)
}

/**
 * Starts `command` (with `env` added to ours) and waits for its `listening <port>` line on stdout;
 * on the server's CPU when pinning is on (pin.ts: `taskset` execs the command, the pid stays).
 */
export function startServer (name: string, command: string, args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<ServerProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env }
  // Sockets handed down by a service manager are not the bench's.
  delete childEnv.LISTEN_FDS
  delete childEnv.LISTEN_PID
  delete childEnv.LISTEN_FDNAMES
  const child = spawn(...asServer(command, args), { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'inherit'] })
  // After a spawn error 'exit' may never come.
  const exited = new Promise(resolve => child.once('exit', resolve).once('error', resolve))
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const killer = setTimeout(() => {
        process.stderr.write(`${name} did not exit within ${STOP_GRACE_MS} ms of SIGTERM: SIGKILL\n`)
        child.kill('SIGKILL')
      }, STOP_GRACE_MS)
      await exited
      clearTimeout(killer)
    }
    await exited
  }

  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => {
      clearTimeout(timer)
      child.off('exit', onExit)
      stop().then(() => reject(err), reject)
    }
    const onExit = (code: number | null): void => fail(new Error(`${name} exited with ${code} before listening`))
    const timer = setTimeout(() => fail(new Error(`${name} did not report its port within ${timeoutMs} ms`)), timeoutMs)
    child.once('error', fail)
    child.once('exit', onExit)
    const said: string[] = []
    let listening = false
    createInterface({ input: child.stdout }).on('line', line => {
      if (listening) return
      const match = /^listening (\d+)$/.exec(line)
      if (match === null) {
        said.push(line)
        return
      }
      listening = true
      clearTimeout(timer)
      child.off('exit', onExit)
      resolve({ name, port: Number(match[1]), pid: child.pid!, said, stop })
    })
  })
}
