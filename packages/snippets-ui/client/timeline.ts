// The frames the page holds (15 minutes), merged from the history and the live feed,
// and the time grid the charts draw: a second without a frame is a null point, a gap.
import type { StatsFrame } from '../src/wire.js'

/** What the page keeps, whatever window is shown. */
export const KEEP_MS = 15 * 60 * 1000
/**
 * Two frames further apart than this many intervals have ticks missing between
 * them (the feed's stale threshold); a tick late on a busy server is not a gap.
 */
const GAP_INTERVALS = 2.5

/** One point of a chart: a frame, or null for the missing ticks of a gap. */
export interface Point {
  time: number
  frame: StatsFrame | null
  /** Seconds the frame's counter deltas cover, for rates. */
  seconds: number
}

export class Timeline {
  readonly frames: StatsFrame[] = []
  interval = 1000
  /** Server time minus page time, so that the window ends at the server's now. */
  #skew = 0

  /** Adds frames in time order; one already held (the same tick from the history and the feed) is kept once. */
  add (frames: readonly StatsFrame[]): boolean {
    let added = false
    for (const frame of frames) {
      const last = this.frames[this.frames.length - 1]
      if (last === undefined || frame.time > last.time) {
        this.frames.push(frame)
        added = true
      } else if (!this.frames.some(f => f.time === frame.time)) {
        this.frames.splice(this.frames.findIndex(f => f.time > frame.time), 0, frame)
        added = true
      }
    }
    const latest = this.frames[this.frames.length - 1]
    if (latest !== undefined) {
      this.#skew = latest.time - Date.now()
      const cut = this.frames.findIndex(f => f.time >= latest.time - KEEP_MS)
      if (cut > 0) this.frames.splice(0, cut)
    }
    return added
  }

  /** The server's clock now, as well as the page can tell. */
  now (): number {
    return Date.now() + this.#skew
  }

  get last (): StatsFrame | undefined {
    return this.frames[this.frames.length - 1]
  }

  /** The points of the last `windowMs`, with a null point where ticks are missing and one at the end while the feed is silent. */
  points (windowMs: number): Point[] {
    const from = this.now() - windowMs
    const out: Point[] = []
    let previous: StatsFrame | undefined
    for (const frame of this.frames) {
      if (frame.time < from) {
        previous = frame
        continue
      }
      const span = previous === undefined ? this.interval : frame.time - previous.time
      if (previous !== undefined && span > GAP_INTERVALS * this.interval) {
        out.push({ time: previous.time + this.interval, frame: null, seconds: 0 })
      }
      // After a gap the frame is taken as one interval: its deltas say nothing of the missing ticks.
      const seconds = span > GAP_INTERVALS * this.interval ? this.interval : Math.max(span, this.interval / 4)
      out.push({ time: frame.time, frame, seconds: seconds / 1000 })
      previous = frame
    }
    const last = out[out.length - 1]
    if (last !== undefined && this.now() - last.time > GAP_INTERVALS * this.interval) {
      out.push({ time: last.time + this.interval, frame: null, seconds: 0 })
    }
    return out
  }

  /** The spans without frames inside the window, [from, to] in ms: shaded on every chart. */
  gaps (windowMs: number): Array<[number, number]> {
    const now = this.now()
    const from = now - windowMs
    const out: Array<[number, number]> = []
    let previous: number | undefined
    for (const frame of this.frames) {
      if (previous !== undefined && frame.time - previous > GAP_INTERVALS * this.interval && frame.time > from) {
        out.push([Math.max(previous, from), frame.time])
      }
      previous = frame.time
    }
    if (previous !== undefined && now - previous > GAP_INTERVALS * this.interval) out.push([Math.max(previous, from), now])
    return out
  }
}
