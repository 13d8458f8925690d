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
    rounds: positive('rounds', values.rounds),
    connections: positive('connections', values.connections),
    pipelining: positive('pipelining', values.pipelining),
    warmup: positive('warmup', values.warmup),
    duration: positive('duration', values.duration)
  }
}

function positive (name: string, text: string): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${text}`)
  return n
}
