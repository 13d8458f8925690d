// A uPlot time chart whose series can change (a new kind, a picked metric).
import UPlot from 'uplot'
import { compact } from './format.js'

export interface SeriesSpec {
  label: string
  color: string
  dash?: number[]
}

const axisStyle = { stroke: '#64748b', grid: { stroke: '#e2e8f0', width: 1 }, ticks: { stroke: '#e2e8f0', width: 1 } }

export class TimeChart {
  readonly #el: HTMLElement
  readonly #unit: string
  #plot: UPlot | undefined
  #specs: SeriesSpec[] = []
  #empty: HTMLElement | undefined

  constructor (el: HTMLElement, unit: string) {
    this.#el = el
    this.#unit = unit
    new ResizeObserver(() => this.#plot?.setSize(this.#size())).observe(el)
  }

  /** Number of points drawn so far (the browser test reads it). */
  get points (): number {
    return this.#plot?.data[0]?.length ?? 0
  }

  update (specs: SeriesSpec[], data: UPlot.AlignedData): void {
    if (specs.length === 0) {
      this.#plot?.destroy()
      this.#plot = undefined
      this.#specs = []
      this.#showEmpty(true)
      return
    }
    this.#showEmpty(false)
    if (this.#plot === undefined || !same(specs, this.#specs)) {
      this.#plot?.destroy()
      this.#specs = specs
      this.#plot = new UPlot(this.#options(specs), data, this.#el)
    } else {
      this.#plot.setData(data)
    }
    // Away from the cursor, the legend shows the latest values instead of dashes.
    const last = (data[0]?.length ?? 0) - 1
    if (last >= 0 && (this.#plot.cursor.left ?? -1) < 0) this.#plot.setLegend({ idx: last })
    this.#el.dataset.points = String(this.points)
  }

  #options (specs: SeriesSpec[]): UPlot.Options {
    const unit = this.#unit
    return {
      ...this.#size(),
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
      axes: [
        { ...axisStyle },
        { ...axisStyle, size: 70, values: (_u, ticks) => ticks.map(v => compact(v) + unit) }
      ],
      series: [
        {},
        ...specs.map(s => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          fill: s.dash === undefined ? s.color + '14' : undefined,
          dash: s.dash,
          points: { show: false },
          value: (_u: UPlot, v: number | null) => v == null ? '–' : compact(v) + unit
        }))
      ]
    }
  }

  #size (): { width: number, height: number } {
    return { width: Math.max(this.#el.clientWidth, 200), height: 200 }
  }

  #showEmpty (show: boolean): void {
    if (show && this.#empty === undefined) {
      this.#empty = document.createElement('p')
      this.#empty.className = 'chart-empty'
      this.#empty.textContent = 'Pick metrics below to plot them here.'
      this.#el.append(this.#empty)
    } else if (!show && this.#empty !== undefined) {
      this.#empty.remove()
      this.#empty = undefined
    }
  }
}

function same (a: SeriesSpec[], b: SeriesSpec[]): boolean {
  return a.length === b.length && a.every((s, i) => s.label === b[i]!.label)
}
