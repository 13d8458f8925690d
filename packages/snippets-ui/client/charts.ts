// A uPlot time chart over a fixed window: one axis per unit, 24-hour times with
// seconds, missing ticks drawn as gaps and shaded, and an optional latency heatmap.
import UPlot from 'uplot'
import { formatUnit } from './format.js'
import type { Unit } from './catalog.js'

export interface SeriesSpec {
  label: string
  color: string
  unit: Unit
  dash?: number[]
  fill?: boolean
}

/** Cells of the latency heatmap: per point, the count of each bucket, drawn between its bounds (ms). */
export interface Heat {
  counts: Array<number[] | null>
  /** [lower, upper] of each bucket, in ms. */
  extents: Array<[number, number]>
}

export const clock = UPlot.fmtDate('{HH}:{mm}:{ss}')
const clockOf = (seconds: number): string => clock(new Date(seconds * 1000))

function css (name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim()
}

export class TimeChart {
  readonly #el: HTMLElement
  readonly #empty: string
  readonly #log: boolean
  #plot: UPlot | undefined
  #specs: SeriesSpec[] = []
  #emptyEl: HTMLElement | undefined
  #gaps: Array<[number, number]> = []
  #heat: Heat | undefined
  #window: [number, number] = [0, 1]

  /** `log`: the y axis is logarithmic (latency). */
  constructor (el: HTMLElement, empty: string, log = false) {
    this.#el = el
    this.#empty = empty
    this.#log = log
    new ResizeObserver(() => this.#plot?.setSize(this.#size())).observe(el)
  }

  /** Number of points drawn (the browser tests read it from data-points). */
  get points (): number {
    return this.#plot?.data[0]?.length ?? 0
  }

  /** Colours come from the stylesheet: a change of colour scheme makes the chart anew. */
  restyle (): void {
    this.#specs = []
  }

  /**
   * Draws `data` (times in seconds first) over `window` (seconds); `gaps` (seconds)
   * are shaded; `heat` paints the latency buckets behind the series.
   */
  update (specs: SeriesSpec[], data: UPlot.AlignedData, window: [number, number], gaps: Array<[number, number]>, heat?: Heat): void {
    this.#gaps = gaps
    this.#heat = heat
    this.#window = window
    if (specs.length === 0) {
      this.#plot?.destroy()
      this.#plot = undefined
      this.#specs = []
      this.#showEmpty(true)
      this.#mark(data)
      return
    }
    this.#showEmpty(false)
    if (this.#plot === undefined || !same(specs, this.#specs)) {
      this.#plot?.destroy()
      this.#specs = specs
      this.#plot = new UPlot(this.#options(specs), data, this.#el)
    } else {
      this.#plot.batch(() => {
        this.#plot!.setData(data, false)
        this.#plot!.setScale('x', { min: window[0], max: window[1] })
      })
    }
    if (this.#plot.scales.x?.min !== window[0]) this.#plot.setScale('x', { min: window[0], max: window[1] })
    // Away from the cursor, the legend shows the latest values instead of dashes.
    let last = (data[0]?.length ?? 0) - 1
    while (last > 0 && data.slice(1).every(s => s[last] == null)) last--
    if (last >= 0 && (this.#plot.cursor.left ?? -1) < 0) this.#plot.setLegend({ idx: last })
    this.#mark(data)
  }

  #mark (data: UPlot.AlignedData): void {
    const xs = data[0] ?? []
    const gapPoints = data.length > 1 ? xs.filter((_, i) => data.slice(1).every(s => s[i] == null)).length : 0
    this.#el.dataset.points = String(xs.length)
    this.#el.dataset.gaps = String(this.#gaps.length)
    this.#el.dataset.nullPoints = String(gapPoints)
  }

  #options (specs: SeriesSpec[]): UPlot.Options {
    const ink = css('--muted')
    const line = css('--line')
    const shade = css('--gap')
    const heatColor = css('--heat')
    const axis = { stroke: ink, grid: { stroke: line, width: 1 }, ticks: { stroke: line, width: 1 } }
    const units = [...new Set(specs.map(s => s.unit))]
    const scales: UPlot.Scales = { x: { time: true, auto: false, range: () => this.#window } }
    for (const unit of units) {
      scales[unit] = this.#log
        ? { distr: 3, range: (_u, _min, max) => this.#logRange(max) }
        : { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] }
    }
    return {
      ...this.#size(),
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      scales,
      axes: [
        { ...axis, space: 70, values: (_u, ticks) => ticks.map(clockOf) },
        ...units.map((unit, i) => ({
          ...axis,
          scale: unit,
          side: i % 2 === 0 ? 3 : 1,
          size: unit === 'bytes' || unit === 'req/s' ? 84 : 70,
          grid: { ...axis.grid, show: i === 0 },
          // A log axis is marked at each power of ten only: 1 ms, 10 ms, 100 ms, 1 s …
          ...this.#log ? { splits: (u: UPlot) => decades(u.scales[unit]!.min!, u.scales[unit]!.max!) } : {},
          values: (_u: UPlot, ticks: number[]) => ticks.map(v => this.#log && unit === 'ms' && v >= 1000 ? `${v / 1000} s` : formatUnit(unit, v))
        }))
      ],
      series: [
        { label: 'time', value: (_u, v) => v == null ? '–' : clockOf(v) },
        ...specs.map(s => ({
          label: s.label,
          scale: s.unit,
          stroke: s.color,
          width: 2,
          fill: s.fill === true ? s.color + '22' : undefined,
          dash: s.dash,
          spanGaps: false,
          points: { show: false },
          value: (_u: UPlot, v: number | null) => v == null ? '–' : formatUnit(s.unit, v)
        }))
      ],
      hooks: {
        drawClear: [u => {
          const ctx = u.ctx
          const { top, height } = u.bbox
          const heat = this.#heat
          if (heat !== undefined) this.#drawHeat(u, heat, heatColor, units[0]!)
          ctx.save()
          ctx.fillStyle = shade
          for (const [from, to] of this.#gaps) {
            const x0 = u.valToPos(from, 'x', true)
            const x1 = u.valToPos(to, 'x', true)
            if (x1 > x0) ctx.fillRect(x0, top, x1 - x0, height)
          }
          ctx.restore()
        }]
      }
    }
  }

  /** From the first bucket to the highest one holding requests (at least 10 ms), in ms. */
  #logRange (max: number | null): [number, number] {
    const heat = this.#heat
    let hi = Math.max(max ?? 0, 10)
    let lo = 0.1
    if (heat !== undefined && heat.extents.length > 0) {
      lo = heat.extents[0]![0]
      for (const counts of heat.counts) counts?.forEach((n, b) => { if (n > 0) hi = Math.max(hi, heat.extents[b]![1]) })
    }
    return [lo, hi * 1.2]
  }

  #drawHeat (u: UPlot, heat: Heat, color: string, scale: string): void {
    const xs = u.data[0]
    let max = 0
    for (const counts of heat.counts) if (counts !== null) for (const n of counts) max = Math.max(max, n)
    if (max === 0) return
    const ctx = u.ctx
    ctx.save()
    ctx.fillStyle = color
    for (let i = 0; i < xs.length; i++) {
      const counts = heat.counts[i]
      if (counts == null) continue
      const x1 = u.valToPos(xs[i]!, 'x', true)
      const x0 = i > 0 ? u.valToPos(xs[i - 1]!, 'x', true) : x1 - 2
      counts.forEach((n, b) => {
        if (n <= 0) return
        const [lo, hi] = heat.extents[b]!
        const y0 = u.valToPos(hi, scale, true)
        const y1 = u.valToPos(lo, scale, true)
        ctx.globalAlpha = 0.25 + 0.75 * Math.sqrt(n / max)
        ctx.fillRect(x0, y0, Math.max(x1 - x0, 1), Math.max(y1 - y0, 1))
      })
    }
    ctx.restore()
  }

  #size (): { width: number, height: number } {
    return { width: Math.max(this.#el.clientWidth, 200), height: 200 }
  }

  #showEmpty (show: boolean): void {
    if (show && this.#emptyEl === undefined) {
      this.#emptyEl = document.createElement('p')
      this.#emptyEl.className = 'chart-empty'
      this.#emptyEl.textContent = this.#empty
      this.#el.append(this.#emptyEl)
    } else if (!show && this.#emptyEl !== undefined) {
      this.#emptyEl.remove()
      this.#emptyEl = undefined
    }
  }
}

function decades (min: number, max: number): number[] {
  const out: number[] = []
  for (let e = Math.ceil(Math.log10(min)); 10 ** e <= max; e++) out.push(+(10 ** e).toPrecision(1))
  return out
}

function same (a: SeriesSpec[], b: SeriesSpec[]): boolean {
  return a.length === b.length && a.every((s, i) => s.label === b[i]!.label && s.unit === b[i]!.unit && s.color === b[i]!.color)
}
