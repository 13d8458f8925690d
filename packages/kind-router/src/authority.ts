import { createRequire } from 'node:module'
import type { Duplex } from 'node:stream'
import { H2_PREFACE } from './sniff.js'

// hpack.js has no types: the one call used here.
interface Decompressor {
  write (block: Buffer): void
  execute (): void
  read (): { name: string, value: string } | null
}
const hpack = createRequire(import.meta.url)('hpack.js') as { decompressor: { create (o: { table: { size: number } }): Decompressor } }

const HEADERS = 0x1
const CONTINUATION = 0x9
const END_STREAM = 0x1
const END_HEADERS = 0x4
const PADDED = 0x8
const PRIORITY = 0x20
// Node's HTTP/2 defaults: the header table and frame size it announces.
const TABLE_SIZE = 4096
const MAX_FRAME = 16384
// How long after the last bytes of a flight without a complete header block the rest may take: TLS records
// and TCP segments of one flight can arrive in separate turns of the event loop, on a loaded machine too.
const FLIGHT_GAP_MS = 25
// Characters nghttp2 accepts in :authority (nghttp2_check_authority); anything else resets the stream.
const AUTHORITY = /^[A-Za-z0-9\-._~!$&'()*+,;=:@[\]%]*$/

/**
 * Reads the first flight of a new HTTP/2 connection (the client's preface and
 * whatever came with it), puts it back, then calls `then`. When that flight
 * holds the first request's header block and its `:authority` has characters
 * nghttp2 refuses (curl sends `-H "Host: localhost:8453/health"` as
 * `:authority`), the value is cut at the first of them, as a server that
 * ignores the field would read it; every other byte is passed on as it came.
 * A client silent for `timeout` ms is handed over as it is, to HTTP/2's own timeouts.
 */
export function toleratedAuthority (socket: Duplex, timeout: number, then: () => void): void {
  let seen: Buffer = Buffer.alloc(0)
  let waiting: NodeJS.Timeout | undefined
  const silent = setTimeout(() => finish(), timeout)
  const finish = (): void => {
    socket.off('data', onData)
    socket.off('close', onClose)
    clearTimeout(waiting)
    clearTimeout(silent)
    socket.pause()
    if (seen.length > 0) socket.unshift(fixFirstHeaders(seen) ?? seen)
    then()
  }
  const onClose = (): void => {
    clearTimeout(waiting)
    clearTimeout(silent)
  }
  const onData = (chunk: Buffer): void => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk])
    clearTimeout(waiting)
    if (firstHeaderBlockEnd(seen) !== undefined || seen.length > 4 * MAX_FRAME) return finish()
    // A client that waits for the server's SETTINGS before its first request goes on after FLIGHT_GAP_MS.
    waiting = setTimeout(finish, FLIGHT_GAP_MS)
  }
  socket.on('data', onData)
  socket.once('close', onClose)
  socket.resume()
}

interface Frame { start: number, type: number, flags: number, stream: number, payload: Buffer, end: number }

function * frames (bytes: Buffer): Generator<Frame> {
  let at = H2_PREFACE.length
  while (at + 9 <= bytes.length) {
    const length = bytes.readUIntBE(at, 3)
    const end = at + 9 + length
    if (end > bytes.length) return
    yield { start: at, type: bytes[at + 3]!, flags: bytes[at + 4]!, stream: bytes.readUInt32BE(at + 5) & 0x7fffffff, payload: bytes.subarray(at + 9, end), end }
    at = end
  }
}

/** Where the first request's header block (HEADERS and its CONTINUATIONs) ends, once it is all there. */
function firstHeaderBlockEnd (bytes: Buffer): number | undefined {
  if (bytes.length < H2_PREFACE.length || !bytes.subarray(0, H2_PREFACE.length).equals(H2_PREFACE)) return undefined
  let inBlock = false
  for (const frame of frames(bytes)) {
    if (frame.type === HEADERS || (inBlock && frame.type === CONTINUATION)) {
      inBlock = true
      if ((frame.flags & END_HEADERS) !== 0) return frame.end
    } else if (inBlock) return undefined
  }
  return undefined
}

/** The flight with the first header block's bad `:authority` cut, or undefined when nothing needs (or can safely get) a change. */
export function fixFirstHeaders (bytes: Buffer): Buffer | undefined {
  const end = firstHeaderBlockEnd(bytes)
  if (end === undefined) return undefined
  let headers: Frame | undefined
  const fragments: Buffer[] = []
  for (const frame of frames(bytes)) {
    if (frame.end > end) break
    if (frame.type === HEADERS) {
      headers = frame
      let p = frame.payload
      if ((frame.flags & PADDED) !== 0) p = p.subarray(1, p.length - p[0]!)
      if ((frame.flags & PRIORITY) !== 0) p = p.subarray(5)
      fragments.push(p)
    } else if (headers !== undefined) fragments.push(frame.payload)
  }
  if (headers === undefined) return undefined
  const block = Buffer.concat(fragments)
  let fields: Array<{ name: string, value: string }>
  let reps: Representation[]
  try {
    fields = decode(block)
    reps = representations(block)
  } catch {
    return undefined
  }
  if (fields.length !== reps.length) return undefined
  const parts: Buffer[] = []
  let changed = false
  let at = 0
  fields.forEach((field, i) => {
    const rep = reps[i]!
    if (field.name !== ':authority' || AUTHORITY.test(field.value) || rep.valueStart === undefined) return
    const cut = field.value.slice(0, field.value.search(/[^A-Za-z0-9\-._~!$&'()*+,;=:@[\]%]/))
    parts.push(block.subarray(at, rep.valueStart), literal(cut))
    at = rep.end
    changed = true
  })
  if (!changed) return undefined
  parts.push(block.subarray(at))
  const priority = (headers.flags & PRIORITY) !== 0 ? headers.payload.subarray((headers.flags & PADDED) !== 0 ? 1 : 0).subarray(0, 5) : Buffer.alloc(0)
  const payload = Buffer.concat([priority, ...parts])
  // One HEADERS frame, then CONTINUATIONs, each at most the frame size nghttp2 accepts; no padding.
  const out = [bytes.subarray(0, headers.start)]
  for (let at = 0; at === 0 || at < payload.length; at += MAX_FRAME) {
    const piece = payload.subarray(at, at + MAX_FRAME)
    const last = at + MAX_FRAME >= payload.length
    const head = Buffer.alloc(9)
    head.writeUIntBE(piece.length, 0, 3)
    head[3] = at === 0 ? HEADERS : CONTINUATION
    head[4] = (at === 0 ? headers.flags & (PRIORITY | END_STREAM) : 0) | (last ? END_HEADERS : 0)
    head.writeUInt32BE(headers.stream, 5)
    out.push(head, piece)
  }
  out.push(bytes.subarray(end))
  return Buffer.concat(out)
}

function decode (block: Buffer): Array<{ name: string, value: string }> {
  const decompressor = hpack.decompressor.create({ table: { size: TABLE_SIZE } })
  let failed: unknown
  ;(decompressor as unknown as NodeJS.EventEmitter).once('error', (err: unknown) => { failed = err })
  decompressor.write(block)
  decompressor.execute()
  if (failed !== undefined) throw failed
  const out: Array<{ name: string, value: string }> = []
  for (let field = decompressor.read(); field !== null; field = decompressor.read()) out.push(field)
  return out
}

/** One header field representation of an HPACK block (RFC 7541, section 6): where its value string starts and where it ends. */
interface Representation { valueStart?: number, end: number }

function representations (block: Buffer): Representation[] {
  const out: Representation[] = []
  let at = 0
  while (at < block.length) {
    const b = block[at]!
    if ((b & 0x80) !== 0) {
      at = integer(block, at, 7).end
      out.push({ end: at })
    } else if ((b & 0xe0) === 0x20) {
      at = integer(block, at, 5).end // a dynamic table size update: no field
    } else {
      const name = integer(block, at, (b & 0x40) !== 0 ? 6 : 4)
      at = name.value === 0 ? string(block, name.end) : name.end
      const valueStart = at
      at = string(block, at)
      out.push({ valueStart, end: at })
    }
  }
  return out
}

function integer (block: Buffer, at: number, prefix: number): { value: number, end: number } {
  const max = (1 << prefix) - 1
  let value = block[at]! & max
  let i = at + 1
  if (value < max) return { value, end: i }
  for (let shift = 0; ; shift += 7) {
    if (i >= block.length || shift > 28) throw new RangeError('bad HPACK integer')
    const b = block[i++]!
    value += (b & 0x7f) * 2 ** shift
    if ((b & 0x80) === 0) return { value, end: i }
  }
}

function string (block: Buffer, at: number): number {
  if (at >= block.length) throw new RangeError('bad HPACK string')
  const length = integer(block, at, 7)
  const end = length.end + length.value
  if (end > block.length) throw new RangeError('bad HPACK string')
  return end
}

/** A string literal without Huffman coding. */
function literal (value: string): Buffer {
  const bytes = Buffer.from(value, 'latin1')
  const length: number[] = []
  if (bytes.length < 127) length.push(bytes.length)
  else {
    length.push(127)
    let rest = bytes.length - 127
    while (rest >= 128) {
      length.push((rest & 0x7f) | 0x80)
      rest >>>= 7
    }
    length.push(rest)
  }
  return Buffer.concat([Buffer.from(length), bytes])
}
