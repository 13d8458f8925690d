import type { LoadResult, MeasuredWindow } from './sample.ts'
import { runTool } from './spawn-tool.ts'
import { WRK } from './tools.ts'

export interface WrkSettings {
  threads: number
  connections: number
  /** Seconds of load before the measured run, not counted (a run of its own: wrk has no warm-up). */
  warmup: number
  /** Seconds measured. */
  duration: number
}

function args (url: string, settings: WrkSettings, seconds: number): string[] {
  return ['-t', String(settings.threads), '-c', String(settings.connections), '-d', `${seconds}s`, '--latency', url]
}

/** `wrk -t1 -c50 -d5s --latency <url>` after the same for the warm-up: HTTP/1.1 keep-alive, `https://` for TLS. */
export async function wrk (url: string, settings: WrkSettings, window: MeasuredWindow): Promise<LoadResult> {
  if (settings.warmup > 0) await runTool(WRK, args(url, settings, settings.warmup), (settings.warmup + 30) * 1000)
  window.begin()
  const stdout = await runTool(WRK, args(url, settings, settings.duration), (settings.duration + 30) * 1000)
  window.end()
  return parseWrk(stdout)
}

/**
 * Reads wrk 4's report: `Requests/sec:`, the 99 % line of `--latency`, the request count, and
 * the `Socket errors:` and `Non-2xx or 3xx responses:` lines when present.
 */
export function parseWrk (text: string): LoadResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text)
  const requests = /^\s*(\d+) requests in /m.exec(text)
  const latency = /^\s*99%\s+([\d.]+)(us|ms|s)\b/m.exec(text)
  if (rps === null || requests === null || latency === null) throw new Error(`wrk printed no figures:\n${text}`)
  const unit = { us: 0.001, ms: 1, s: 1000 }[latency[2] as 'us' | 'ms' | 's']
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text)
  const socketErrors = socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0)
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0)
  return { rps: Number(rps[1]), p99: Number(latency[1]) * unit, requests: Number(requests[1]), failures: socketErrors + non2xx }
}
