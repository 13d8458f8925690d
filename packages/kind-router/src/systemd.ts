/** A socket handed over by systemd socket activation. */
export interface InheritedSocket {
  fd: number
  name: string
}

const FIRST_FD = 3

/**
 * The sockets systemd passed to this process (`LISTEN_FDS`, named by
 * `LISTEN_FDNAMES`, i.e. `FileDescriptorName=` of the .socket unit), if they are ours.
 */
export function inheritedSockets (env: NodeJS.ProcessEnv = process.env, pid = process.pid): InheritedSocket[] {
  if (env.LISTEN_PID !== undefined && Number(env.LISTEN_PID) !== pid) return []
  const count = Number(env.LISTEN_FDS)
  if (!Number.isInteger(count) || count <= 0) return []
  const names = (env.LISTEN_FDNAMES ?? '').split(':')
  return Array.from({ length: count }, (_, i) => ({ fd: FIRST_FD + i, name: names[i] ?? 'unknown' }))
}
