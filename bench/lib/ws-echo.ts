import { fileURLToPath } from 'node:url'
import type { LoadResult, MeasuredWindow } from './sample.ts'
import { runTool } from './spawn-tool.ts'

const client = fileURLToPath(new URL('./ws-echo-client.ts', import.meta.url))

export interface WsEchoSettings {
  connections: number
  /** Seconds of echoes before the measured run, on the same connections, not counted. */
  warmup: number
  /** Seconds measured. */
  duration: number
}

/** Runs the WebSocket echo load generator (lib/ws-echo-client.ts) in a node process of its own. */
export async function wsEcho (url: string, settings: WsEchoSettings, window: MeasuredWindow): Promise<LoadResult> {
  const args = ['--import', 'tsx', client, '--url', url, '--connections', String(settings.connections),
    '--warmup', String(settings.warmup), '--duration', String(settings.duration)]
  const stdout = await runTool(process.execPath, args, (settings.warmup + settings.duration + 60) * 1000, line => {
    if (line === 'measuring') window.begin()
    else if (line === 'measured') window.end()
  })
  const last = stdout.trim().split('\n').pop() ?? ''
  try {
    return JSON.parse(last) as LoadResult
  } catch {
    throw new Error(`the WebSocket echo client printed no figures:\n${stdout}`)
  }
}
