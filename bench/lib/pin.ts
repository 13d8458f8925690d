import { execFileSync } from 'node:child_process'
import { availableParallelism } from 'node:os'

/**
 * Which CPUs the servers and the load generators run on (`taskset -c`), so that on a small
 * machine the two never take turns on one core: the server gets the last CPU, the load
 * generator the others. Off until `pinTo` is called (by `pnpm bench` unless `--no-pin`).
 */
export interface Pinning {
  server: string
  load: string
}

let pinning: Pinning | undefined

/** Pins from now on when `enabled`, there are 2 CPUs or more and `taskset` runs; says why not otherwise. */
export function pinTo (enabled: boolean): Pinning | string {
  if (!enabled) return 'off (--no-pin)'
  const cpus = availableParallelism()
  if (cpus < 2) return 'off (one CPU)'
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' })
  } catch {
    return 'off (taskset not found: apt-get install util-linux)'
  }
  pinning = { server: String(cpus - 1), load: cpus === 2 ? '0' : `0-${cpus - 2}` }
  return pinning
}

/** The command line of a server, under `taskset` when pinning is on. */
export function asServer (command: string, args: string[]): [string, string[]] {
  return pinning === undefined ? [command, args] : ['taskset', ['-c', pinning.server, command, ...args]]
}

/** The command line of a load generator, under `taskset` when pinning is on. */
export function asLoad (command: string, args: string[]): [string, string[]] {
  return pinning === undefined ? [command, args] : ['taskset', ['-c', pinning.load, command, ...args]]
}
