import type { Duplex } from 'node:stream'

/** What a connection had moved at the last look, and when that last changed. */
export interface Movement {
  bytes: number
  movedAt: number
}

/** Bytes read and written on a connection (TLS: the clear text), so far. */
export function moved (socket: Duplex): number {
  const s = socket as Duplex & { bytesRead?: number, bytesWritten?: number }
  return (s.bytesRead ?? 0) + (s.bytesWritten ?? 0)
}

/**
 * One look at a connection, from a periodic check: bytes moved since the last
 * look are noted; true once nothing has moved for `limit` ms. Silence measured
 * without a timer refreshed on every read and write.
 */
export function silentFor (seen: Movement, socket: Duplex, now: number, limit: number): boolean {
  const bytes = moved(socket)
  if (bytes !== seen.bytes) {
    seen.bytes = bytes
    seen.movedAt = now
    return false
  }
  return now - seen.movedAt >= limit
}
