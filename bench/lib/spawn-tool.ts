import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { asLoad } from './pin.ts'

/**
 * Runs a load generator to its end and resolves to its stdout; `onLine` sees each stdout line
 * as it comes (to catch the start and end of a measured phase). Past `timeoutMs` it is killed
 * and the promise rejects with what it printed: a stuck load generator fails one row, not the run.
 * It runs on the load generator's CPUs when pinning is on (pin.ts).
 */
export function runTool (command: string, args: string[], timeoutMs: number, onLine: (line: string) => void = () => {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(...asLoad(command, args), { stdio: ['ignore', 'pipe', 'pipe'] })
    const out: string[] = []
    let err = ''
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    createInterface({ input: child.stdout }).on('line', line => {
      out.push(line)
      onLine(line)
    })
    child.stderr.setEncoding('utf8').on('data', chunk => { err += chunk })
    child.once('error', error => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      const stdout = out.join('\n')
      if (code === 0) resolve(stdout)
      else {
        const why = timedOut ? `did not finish within ${timeoutMs / 1000} s` : `exited with ${code ?? signal}`
        reject(new Error(`${command} ${args.join(' ')} ${why}\n${stdout}\n${err}`.trim()))
      }
    })
  })
}
