import { parseArgs } from 'node:util'

/** How every server is loaded; the same settings for each. */
export interface LoadSettings {
  rounds: number
  connections: number
  pipelining: number
  /** Seconds of warm-up, not counted. */
  warmup: number
  /** Seconds measured. */
  duration: number
}

/** `--rounds 5 --connections 100 --pipelining 1 --warmup 2 --duration 10`, all optional. */
export function loadSettings (argv: string[] = process.argv.slice(2)): LoadSettings {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string', default: '5' },
      connections: { type: 'string', default: '100' },
      pipelining: { type: 'string', default: '1' },
      warmup: { type: 'string', default: '2' },
      duration: { type: 'string', default: '10' }
    }
  })
  return {
    rounds: integer('rounds', values.rounds, 1),
    connections: integer('connections', values.connections, 1),
    pipelining: integer('pipelining', values.pipelining, 1),
    warmup: integer('warmup', values.warmup, 1),
    duration: integer('duration', values.duration, 1)
  }
}

/** The value of `--name` as a whole number of at least `min`, or an error naming the flag. */
export function integer (name: string, text: string, min: number): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer of at least ${min}, got ${text}`)
  return n
}
