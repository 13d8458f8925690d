import { parseArgs } from 'node:util'
import { integer } from './args.ts'

/** The flags of `pnpm bench` (bench/user-path.ts). */
export interface BenchFlags {
  rounds: number
  /** Seconds measured per row and round. */
  duration: number
  /** Seconds of the same load before the measured run, not counted. */
  warmup: number
  /** wrk and h2load connections, WebSocket clients. */
  connections: number
  /** h2load streams in flight per connection (`-m`). */
  streams: number
  /** wrk and h2load threads (`-t`). */
  threads: number
  /** Groups to run (`a` to `g`); all when empty. */
  only: Set<string>
  /** Start every Node server with `--cpu-prof` into a temp dir. */
  profile: boolean
  /** Run servers and load generators on CPUs of their own (`taskset`); off with `--no-pin`. */
  pin: boolean
}

export const GROUPS = ['a', 'b', 'c', 'd', 'e', 'f', 'g']

/** `--rounds 3 --duration 5 --warmup 5 --connections 50 --streams 10 --threads 1 --only=a,c --profile --no-pin`, all optional. */
export function benchFlags (argv: string[] = process.argv.slice(2)): BenchFlags {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '5' },
      connections: { type: 'string', default: '50' },
      streams: { type: 'string', default: '10' },
      threads: { type: 'string', default: '1' },
      only: { type: 'string', default: '' },
      profile: { type: 'boolean', default: false },
      'no-pin': { type: 'boolean', default: false }
    }
  })
  const only = new Set(values.only.split(',').map(g => g.trim().toLowerCase()).filter(g => g !== ''))
  for (const group of only) {
    if (!GROUPS.includes(group)) throw new Error(`--only takes groups among ${GROUPS.join(',')}, got ${group}`)
  }
  return {
    rounds: integer('rounds', values.rounds, 1),
    duration: integer('duration', values.duration, 1),
    warmup: integer('warmup', values.warmup, 0),
    connections: integer('connections', values.connections, 1),
    streams: integer('streams', values.streams, 1),
    threads: integer('threads', values.threads, 1),
    only,
    profile: values.profile,
    pin: !values['no-pin']
  }
}
