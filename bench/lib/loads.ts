// What each load kind of the bench is: the URL it loads, the check before any load, and the
// load generator's run. Shared by `pnpm bench` (one server a process) and `pnpm bench:pairs`
// (two servers in one process, loaded in turn).
import { checkAnswer, checkEcho, checkH2, checkHttps } from './check.ts'
import { h2load } from './h2load.ts'
import type { LoadKind } from './rows.ts'
import type { LoadResult, MeasuredWindow } from './sample.ts'
import { wrk } from './wrk.ts'
import { wsEcho } from './ws-echo.ts'

export interface LoadSettings {
  threads: number
  connections: number
  /** h2load streams in flight per connection (`-m`). */
  streams: number
  /** Seconds of the same load before the measured run, not counted. */
  warmup: number
  /** Seconds measured. */
  duration: number
  /**
   * h2load only: a first run by request count before the timed one (default true), which a
   * freshly started server needs (lib/h2load.ts); a server already loaded can do without.
   */
  prime?: boolean
}

/** The load generator of a load kind as the results name it, e.g. `h2load -t1 -c50 -m10 https`. */
export function loadGenerator (load: LoadKind, { threads, connections, streams }: Pick<LoadSettings, 'threads' | 'connections' | 'streams'>): string {
  switch (load) {
    case 'wrk': return `wrk -t${threads} -c${connections}`
    case 'wrk-tls': return `wrk -t${threads} -c${connections} https`
    case 'h2load-tls': return `h2load -t${threads} -c${connections} -m${streams} https`
    case 'h2load-h2c': return `h2load -t${threads} -c${connections} -m${streams} h2c`
    case 'ws': return `ws echo ×${connections}`
  }
}

/** The URL a load kind loads on a server listening on 127.0.0.1:`port`. */
export function urlFor (load: LoadKind, port: number): string {
  const origin = `127.0.0.1:${port}`
  switch (load) {
    case 'wrk': return `http://${origin}/service`
    case 'wrk-tls': return `https://${origin}/service`
    case 'h2load-tls': return `https://${origin}/service`
    case 'h2load-h2c': return `http://${origin}/service`
    case 'ws': return `ws://${origin}/echo`
  }
}

/** The check before any load: a wrong answer (or protocol) throws; resolves to what TLS or HTTP/2 negotiated. */
export async function checkLoad (load: LoadKind, name: string, url: string): Promise<string | undefined> {
  switch (load) {
    case 'wrk': await checkAnswer(name, url); return undefined
    case 'wrk-tls': return await checkHttps(name, url)
    case 'h2load-tls':
    case 'h2load-h2c': return await checkH2(name, url)
    case 'ws': await checkEcho(name, url); return undefined
  }
}

/** The warm-up (not counted) and the measured run; `window` hears when the measured seconds begin and end. */
export function runLoad (load: LoadKind, url: string, settings: LoadSettings, window: MeasuredWindow): Promise<LoadResult> {
  const { threads, connections, streams, warmup, duration, prime = true } = settings
  switch (load) {
    case 'wrk':
    case 'wrk-tls': return wrk(url, { threads, connections, warmup, duration }, window)
    case 'h2load-tls':
    case 'h2load-h2c': return h2load(url, { threads, connections, streams, warmup, duration, prime }, window)
    case 'ws': return wsEcho(url, { connections, warmup, duration }, window)
  }
}
