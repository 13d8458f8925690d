import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { p99, type LoadResult, type MeasuredWindow } from './sample.ts'
import { runTool } from './spawn-tool.ts'
import { H2LOAD } from './tools.ts'

export interface H2loadSettings {
  threads: number
  connections: number
  /** Concurrent streams per connection (`-m`). */
  streams: number
  /** Seconds of load before the measured run, on the same connections, not counted. */
  warmup: number
  /** Seconds measured. */
  duration: number
  /** The first run by request count (below); false for a server this process already loaded. */
  prime: boolean
}

/** Extra seconds h2load gets past its warm-up and duration before it counts as stuck. */
const STUCK_AFTER_S = 10

/**
 * `h2load -t1 -c50 -m10 --warm-up-time=2 -D5 --log-file=<tmp> <url>`: HTTP/2 over TLS for
 * `https://` (ALPN h2), cleartext HTTP/2 with prior knowledge for `http://`. The measured window
 * is told from h2load's own lines; the p99 comes from the per-request log (measured phase only).
 *
 * h2load 1.52 in this timing mode often never exits after `Stopped all clients` when it is the
 * first load a freshly started server gets (seen against every HTTP/2 server here, Node's core
 * API and kresd alike): so a short run by request count comes first, and a timed run that still
 * gets stuck is killed after `STUCK_AFTER_S` and tried once more.
 */
export async function h2load (url: string, settings: H2loadSettings, window: MeasuredWindow): Promise<LoadResult> {
  // A first round of requests by count (a mode that does not get stuck) so the timed run meets
  // a server that has made its first TLS sessions and compiled its hot path.
  const { threads, connections, streams } = settings
  if (settings.prime) await runTool(H2LOAD, ['-t', String(threads), '-c', String(connections), '-m', String(streams), '-n', String(Math.max(connections, Math.min(connections * streams * 4, 20_000))), url], 60_000)
  try {
    return await h2loadOnce(url, settings, window)
  } catch (err) {
    if (!(err instanceof Error) || !err.message.includes('did not finish')) throw err
    process.stderr.write(`h2load got stuck after its run against ${url}; once more\n`)
    return await h2loadOnce(url, settings, window)
  }
}

async function h2loadOnce (url: string, settings: H2loadSettings, window: MeasuredWindow): Promise<LoadResult> {
  const dir = await mkdtemp(join(tmpdir(), 'kinds-bench-h2load-'))
  try {
    const log = join(dir, 'requests.tsv')
    const args = ['-t', String(settings.threads), '-c', String(settings.connections), '-m', String(settings.streams),
      '-D', String(settings.duration), `--warm-up-time=${settings.warmup}`, `--log-file=${log}`, url]
    let phase: 'warm-up' | 'measured' | 'over' = 'warm-up'
    const stdout = await runTool(H2LOAD, args, (settings.warmup + settings.duration + STUCK_AFTER_S) * 1000, line => {
      // With several threads: the first start and the first end (the threads share one clock).
      if (phase === 'warm-up' && line.startsWith('Main benchmark duration is started')) {
        phase = 'measured'
        window.begin()
      } else if (phase === 'measured' && line.startsWith('Main benchmark duration is over')) {
        phase = 'over'
        window.end()
      }
    })
    return { ...parseH2load(stdout), p99: parseLatencyLog(await readFile(log, 'utf8')) }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Reads h2load's summary: req/s of `finished in`, the `requests:` and `status codes:` lines; p99 is NaN here. */
export function parseH2load (text: string): LoadResult {
  const finished = /^finished in [\d.]+s, ([\d.]+) req\/s/m.exec(text)
  const requests = /^requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/m.exec(text)
  const codes = /^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/m.exec(text)
  if (finished === null || requests === null || codes === null) throw new Error(`h2load printed no figures:\n${text}`)
  const failures = Number(requests[2]) + Number(requests[3]) + Number(requests[4]) + Number(codes[2]) + Number(codes[3]) + Number(codes[4])
  const ok = Number(codes[1])
  if (ok === 0) throw new Error(`h2load had no 2xx answer (did the server speak HTTP/2?):\n${text}`)
  return { rps: Number(finished[1]), p99: Number.NaN, requests: ok, failures }
}

/** `--log-file` lines are `start µs <TAB> status <TAB> duration µs`: the p99 of the durations in ms. */
export function parseLatencyLog (text: string): number {
  const durations: number[] = []
  for (const line of text.split('\n')) {
    const tab = line.lastIndexOf('\t')
    if (tab > 0) durations.push(Number(line.slice(tab + 1)) / 1000)
  }
  return p99(durations)
}
