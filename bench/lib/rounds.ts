import { checkAnswer } from './check.ts'
import { load, type Sample } from './load.ts'
import type { LoadSettings } from './args.ts'
import type { ServerProcess } from './server-process.ts'

/** A server the driver can start afresh for each run. */
export interface Contender {
  name: string
  start (): Promise<ServerProcess>
}

/**
 * Runs every contender in turn, one process at a time, `settings.rounds` times with the
 * order interleaved (a, b, c, a, b, c, ...) so that drift of a shared machine hits all alike.
 * Each answer is checked before the load; a wrong one throws.
 */
export async function runRounds (contenders: Contender[], settings: LoadSettings): Promise<Map<string, Sample[]>> {
  const samples = new Map<string, Sample[]>(contenders.map(c => [c.name, []]))
  for (let round = 1; round <= settings.rounds; round++) {
    for (const contender of contenders) {
      const server = await contender.start()
      try {
        const url = `http://127.0.0.1:${server.port}/service`
        await checkAnswer(contender.name, url)
        const sample = await load(url, settings)
        samples.get(contender.name)!.push(sample)
        const warning = sample.failures > 0 ? `, ${sample.failures} errors or non-2xx` : ''
        process.stderr.write(`round ${round}/${settings.rounds} ${contender.name}: ${Math.round(sample.rps)} req/s, p99 ${sample.p99} ms${warning}\n`)
      } finally {
        await server.stop()
      }
    }
  }
  return samples
}
