// The Instances table: one row per process (and thread), with a CPU sparkline; a
// process that stops appearing in the frames is shown dead instead of vanishing, until a
// worker restarted in its place is up.
import type { StatsFrame, WorkerInfo } from '../src/wire.js'
import { bytes, duration, ms, percent, text } from './format.js'

/** Seconds of CPU history in a sparkline. */
const SPARK_SECONDS = 60
/** Intervals without a report before a process shows as dead. */
const DEAD_INTERVALS = 2.5
/** A dead row stays this long, then goes. */
const FORGET_MS = 15 * 60 * 1000

interface Row {
  info: WorkerInfo
  seen: number
  cpu: Array<[time: number, percent: number]>
  tr: HTMLTableRowElement
  spark: HTMLCanvasElement
}

export class Instances {
  readonly #body: HTMLElement
  readonly #rows = new Map<string, Row>()

  constructor (body: HTMLElement) {
    this.#body = body
  }

  /** Takes the workers of each frame in time order; `interval` decides when a silent process is dead. */
  add (frames: readonly StatsFrame[], interval: number): void {
    for (const frame of frames) {
      for (const w of frame.workers) {
        const key = `${w.pid}:${w.thread}`
        let row = this.#rows.get(key)
        if (row === undefined) {
          row = this.#row(w)
          this.#rows.set(key, row)
        }
        if (frame.time < row.seen) continue
        row.info = w
        row.seen = frame.time
        if (w.worker !== undefined && w.status !== 'dead') this.#replaced(w.worker, key)
        row.cpu.push([frame.time, w.cpu.user + w.cpu.system])
        const cut = row.cpu.findIndex(([t]) => t >= frame.time - SPARK_SECONDS * 1000)
        if (cut > 0) row.cpu.splice(0, cut)
      }
    }
    const latest = frames[frames.length - 1]?.time
    if (latest !== undefined) this.render(latest, interval)
  }

  render (latest: number, interval: number): void {
    for (const [key, row] of this.#rows) {
      if (latest - row.seen > FORGET_MS) {
        row.tr.remove()
        this.#rows.delete(key)
        continue
      }
      const dead = row.info.status === 'dead' || latest - row.seen > DEAD_INTERVALS * interval
      this.#fill(row, dead ? 'dead' : row.info.status)
    }
    const rows = [...this.#rows.values()].sort((a, b) => a.info.pid - b.info.pid || a.info.thread - b.info.thread).map(r => r.tr)
    if (rows.length > 0 && (this.#body.children.length !== rows.length || rows.some((tr, i) => this.#body.children[i] !== tr))) this.#body.replaceChildren(...rows)
  }

  /** A worker restarted in the place of a dead one: the dead one's row goes. */
  #replaced (place: number, key: string): void {
    for (const [other, row] of this.#rows) {
      if (other !== key && row.info.worker === place) {
        row.tr.remove()
        this.#rows.delete(other)
      }
    }
  }

  #row (w: WorkerInfo): Row {
    const tr = document.createElement('tr')
    tr.dataset.pid = String(w.pid)
    tr.dataset.thread = String(w.thread)
    const spark = document.createElement('canvas')
    spark.className = 'spark'
    spark.width = 96
    spark.height = 24
    spark.setAttribute('role', 'img')
    const labels = ['PID', 'Thread', 'CPU', 'RSS', 'Heap', 'Event-loop lag', 'Uptime', 'Status']
    const classes = ['pid', '', 'cpu', 'num', 'num', 'num', 'num', 'state']
    for (let i = 0; i < labels.length; i++) {
      const td = document.createElement('td')
      td.dataset.label = labels[i]
      if (classes[i] !== '') td.className = classes[i]!
      tr.append(td)
    }
    return { info: w, seen: -Infinity, cpu: [], tr, spark }
  }

  #fill (row: Row, status: WorkerInfo['status']): void {
    const w = row.info
    const cells = row.tr.children
    const set = (i: number, value: string): void => { if (cells[i]!.textContent !== value) cells[i]!.textContent = value }
    set(0, String(w.pid))
    set(1, w.thread === 0 ? 'main' : String(w.thread))
    const cpu = cells[2] as HTMLElement
    const figure = `${percent(w.cpu.user)} user, ${percent(w.cpu.system)} sys`
    if (cpu.firstChild !== row.spark) cpu.replaceChildren(row.spark, text('span', figure, 'cpu-figure'))
    else cpu.lastChild!.textContent = figure
    row.spark.setAttribute('aria-label', `CPU over the last minute, now ${percent(w.cpu.user + w.cpu.system)}`)
    this.#draw(row, status === 'dead')
    set(3, bytes(w.rss))
    set(4, bytes(w.heap))
    set(5, `${ms(w.eventLoopDelay.mean)} / ${ms(w.eventLoopDelay.p99)}`)
    set(6, duration(w.uptime))
    const state = cells[7] as HTMLElement
    if (state.dataset.status !== status) {
      state.dataset.status = status
      state.replaceChildren(text('span', status, `status status-${status}`))
    }
    row.tr.dataset.status = status
  }

  #draw (row: Row, dead: boolean): void {
    const c = row.spark
    const ctx = c.getContext('2d')
    if (ctx === null) return
    ctx.clearRect(0, 0, c.width, c.height)
    const points = row.cpu
    if (points.length < 2) return
    const end = points[points.length - 1]![0]
    const max = Math.max(100, ...points.map(([, v]) => v))
    ctx.strokeStyle = getComputedStyle(c).color
    ctx.globalAlpha = dead ? 0.4 : 1
    ctx.lineWidth = 1.5
    ctx.beginPath()
    points.forEach(([t, v], i) => {
      const x = c.width - (end - t) / (SPARK_SECONDS * 1000) * c.width
      const y = c.height - 2 - v / max * (c.height - 4)
      if (i === 0) ctx.moveTo(x, y)
      else ctx.lineTo(x, y)
    })
    ctx.stroke()
  }
}
