import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** A server running in a child process of its own. */
export interface ServerProcess {
  name: string
  port: number
  stop (): Promise<void>
}

const root = fileURLToPath(new URL('../..', import.meta.url))

/** Runs a TypeScript server of bench/servers under Node through tsx. */
export function startNodeServer (name: string, file: string, nodeFlags: string[] = []): Promise<ServerProcess> {
  return startServer(name, process.execPath, [...nodeFlags, '--import', 'tsx', fileURLToPath(new URL(`../servers/${file}`, import.meta.url))])
}

/** Starts `command` (with `env` added to ours) and waits for its `listening <port>` line on stdout. */
export function startServer (name: string, command: string, args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<ServerProcess> {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  // After a spawn error 'exit' may never come.
  const exited = new Promise(resolve => child.once('exit', resolve).once('error', resolve))
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
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
    createInterface({ input: child.stdout }).on('line', line => {
      const match = /^listening (\d+)$/.exec(line)
      if (match === null) return
      clearTimeout(timer)
      child.off('exit', onExit)
      resolve({ name, port: Number(match[1]), stop })
    })
  })
}
