// Number formatting of the page's tables and axes.
import type { Unit } from './catalog.js'

export function bytes (n: number): string {
  n = Math.round(n)
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${n} B`
}

export function percent (n: number): string {
  return `${n.toFixed(1)} %`
}

export function ms (n: number): string {
  return n >= 100 ? `${n.toFixed(0)} ms` : `${n.toFixed(2)} ms`
}

export function duration (seconds: number): string {
  const d = Math.floor(seconds / 86400)
  const h = Math.floor(seconds % 86400 / 3600)
  const m = Math.floor(seconds % 3600 / 60)
  const s = seconds % 60
  if (d > 0) return `${d}d ${h}h`
  if (h > 0) return `${h}h ${m}m`
  if (m > 0) return `${m}m ${s}s`
  return `${s}s`
}

/** Axis values without the original's 0.6000000000000001. */
export function compact (n: number): string {
  if (n === 0) return '0'
  const abs = Math.abs(n)
  if (abs >= 1e9) return `${+(n / 1e9).toFixed(1)}G`
  if (abs >= 1e6) return `${+(n / 1e6).toFixed(1)}M`
  if (abs >= 1e3) return `${+(n / 1e3).toFixed(1)}k`
  if (abs >= 1) return String(+n.toFixed(2))
  return String(+n.toPrecision(2))
}

export function formatUnit (unit: Unit, n: number | null): string {
  // uPlot leaves some ticks of a log axis out as null.
  if (n == null) return ''
  switch (unit) {
    case 'bytes': return bytes(n)
    case 's': return duration(Math.round(n))
    case 'count': return compact(n)
    case '%': return `${compact(n)} %`
    case 'ms': return `${compact(n)} ms`
    default: return `${compact(n)} ${unit}`
  }
}

export function text (tag: string, content: string, className?: string): HTMLElement {
  const el = document.createElement(tag)
  el.textContent = content
  if (className !== undefined) el.className = className
  return el
}
