// The management page: live charts, the metric picker and the instances table, fed by /stats.
import type uPlot from 'uplot'
import type { StatsFrame, WorkerInfo } from '../src/wire.js'
import { Feed, type FeedState } from './feed.js'
import { TimeChart } from './charts.js'
import { bytes, duration, ms, percent, text } from './format.js'

/** Five minutes of one-second ticks. */
const HISTORY = 300
const palette = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#0891b2', '#db2777', '#65a30d', '#dc2626', '#475569']
const statusColors: Record<string, string> = { '1xx': '#94a3b8', '2xx': '#16a34a', '3xx': '#2563eb', '4xx': '#d97706', '5xx': '#dc2626' }
const latencyBuckets: Array<[string, number]> = [['1ms', 1], ['10ms', 10], ['50ms', 50], ['100ms', 100], ['250ms', 250], ['500ms', 500], ['1s', 1000]]
const PICKED_KEY = 'kinds.webmgmt.picked'

const frames: StatsFrame[] = []
let gauges = new Set<string>()
const known = new Set<string>()
const picked = new Set<string>(readPicked())

const $ = (id: string): HTMLElement => document.getElementById(id)!
const charts = {
  kinds: new TimeChart($('chart-kinds'), '/s'),
  status: new TimeChart($('chart-status'), '/s'),
  latency: new TimeChart($('chart-latency'), ' ms'),
  picked: new TimeChart($('chart-picked'), '')
}

function onFrame (frame: StatsFrame): void {
  if (frames.length > 0 && frame.time <= frames[frames.length - 1]!.time) return
  frames.push(frame)
  if (frames.length > HISTORY) frames.shift()
  let fresh = false
  for (const key of Object.keys(frame.stats)) {
    if (!known.has(key)) {
      known.add(key)
      fresh = true
    }
  }
  if (fresh) {
    feed.refreshGauges()
    renderPicker()
  }
  draw()
  // The time of the last tick drawn, for whoever watches the page (the browser test).
  document.body.dataset.lastFrame = String(frame.time)
  renderInstances(frame.workers)
  renderConnections(frame.stats)
}

/** Seconds between a frame and the one before, for rates. */
function spans (): number[] {
  return frames.map((f, i) => i === 0 ? 1 : Math.max((f.time - frames[i - 1]!.time) / 1000, 0.25))
}

function rate (key: string, dt: number[]): Array<number | null> {
  return frames.map((f, i) => f.stats[key] === undefined ? null : f.stats[key]! / dt[i]!)
}

function draw (): void {
  const times = frames.map(f => f.time / 1000)
  const dt = spans()
  const last = frames[frames.length - 1]!.stats

  const kinds = Object.keys(last).map(k => /^kind\.(.+)\.request\.total$/.exec(k)?.[1]).filter((k): k is string => k !== undefined).sort()
  charts.kinds.update(
    kinds.map((k, i) => ({ label: k, color: palette[i % palette.length]! })),
    [times, ...kinds.map(k => rate(`kind.${k}.request.total`, dt))] as uPlot.AlignedData
  )

  const classes = ['2xx', '3xx', '4xx', '5xx', '1xx'].filter(c => c === '2xx' || frames.some(f => (f.stats[`request.${c}`] ?? 0) > 0))
  charts.status.update(
    classes.map(c => ({ label: c, color: statusColors[c]! })),
    [times, ...classes.map(c => rate(`request.${c}`, dt))] as uPlot.AlignedData
  )

  const mean = frames.map(f => {
    const n = f.stats['request.total'] ?? 0
    return n > 0 ? (f.stats['latency.sum'] ?? 0) / n * 1000 : null
  })
  charts.latency.update(
    [{ label: 'mean', color: '#2563eb' }, { label: 'p99 (bucket bound)', color: '#dc2626', dash: [6, 4] }],
    [times, mean, frames.map(p99)] as uPlot.AlignedData
  )

  const keys = [...picked].filter(k => known.has(k)).sort()
  charts.picked.update(
    keys.map((k, i) => ({ label: gauges.has(k) ? k : `${k} /s`, color: palette[i % palette.length]! })),
    [times, ...keys.map(k => gauges.has(k) ? frames.map(f => f.stats[k] ?? null) : rate(k, dt))] as uPlot.AlignedData
  )
}

/** The upper bound of the bucket holding the 99th percentile; above 1 s it says 1000+. */
function p99 (f: StatsFrame): number | null {
  const total = f.stats['request.total'] ?? 0
  if (total <= 0) return null
  let seen = 0
  for (const [name, bound] of latencyBuckets) {
    seen += f.stats[`latency.${name}`] ?? 0
    if (seen >= total * 0.99) return bound
  }
  return 1000
}

function renderInstances (workers: WorkerInfo[]): void {
  const body = $('instances-body')
  body.replaceChildren(...workers.map(w => {
    const tr = document.createElement('tr')
    tr.dataset.pid = String(w.pid)
    const status = text('span', w.status, `status status-${w.status}`)
    const cells: Array<[string | HTMLElement, string?]> = [
      [String(w.pid), 'pid'], [w.thread === 0 ? 'main' : String(w.thread)],
      [percent(w.cpu.user), 'num'], [percent(w.cpu.system), 'num'], [bytes(w.rss), 'num'], [bytes(w.heap), 'num'],
      [`${ms(w.eventLoopDelay.mean)} / ${ms(w.eventLoopDelay.p99)}`, 'num'], [duration(w.uptime), 'num'], [status]
    ]
    for (const [content, cls] of cells) {
      const td = document.createElement('td')
      if (typeof content === 'string') td.textContent = content
      else td.append(content)
      if (cls !== undefined) td.className = cls
      tr.append(td)
    }
    return tr
  }))
}

/** The open-connections cell of a kind with a single listener follows the feed. */
function renderConnections (stats: Record<string, number>): void {
  const cells = [...document.querySelectorAll<HTMLElement>('[data-connections-kind]')]
  for (const cell of cells) {
    const kind = cell.dataset.connectionsKind!
    if (cells.filter(c => c.dataset.connectionsKind === kind).length !== 1) continue
    const n = stats[`kind.${kind}.connections`]
    if (n !== undefined) cell.textContent = String(n)
  }
}

function renderPicker (): void {
  const filter = ($('metric-filter') as HTMLInputElement).value.trim().toLowerCase()
  const list = $('metric-list')
  list.replaceChildren(...[...known].sort().filter(k => filter === '' || k.toLowerCase().includes(filter)).map(key => {
    const chip = text('button', key, picked.has(key) ? 'chip on' : 'chip') as HTMLButtonElement
    chip.type = 'button'
    chip.setAttribute('role', 'option')
    chip.setAttribute('aria-selected', String(picked.has(key)))
    chip.dataset.key = key
    return chip
  }))
}

function readPicked (): string[] {
  try {
    const stored = JSON.parse(localStorage.getItem(PICKED_KEY) ?? '["process.eventloop.delay", "process.eventloop.p99"]') as unknown
    return Array.isArray(stored) ? stored.filter((k): k is string => typeof k === 'string') : []
  } catch {
    return []
  }
}

$('metric-list').addEventListener('click', event => {
  const key = (event.target as HTMLElement).dataset.key
  if (key === undefined) return
  if (picked.has(key)) picked.delete(key)
  else picked.add(key)
  localStorage.setItem(PICKED_KEY, JSON.stringify([...picked]))
  renderPicker()
  if (frames.length > 0) draw()
})
$('metric-filter').addEventListener('input', renderPicker)

// The Modules menu closes once a module is chosen or the page is clicked elsewhere.
const menu = $('modules-menu') as HTMLDetailsElement
menu.addEventListener('click', event => {
  if ((event.target as HTMLElement).tagName === 'A') menu.open = false
})
document.addEventListener('click', event => {
  if (!menu.contains(event.target as Node)) menu.open = false
})

const state = $('feed-state')
const labels: Record<FeedState, string> = { connecting: 'connecting', live: 'live', polling: 'polling', reconnecting: 'reconnecting', offline: 'offline' }
const feed = new Feed({
  onFrame,
  onGauges (g) {
    gauges = g
    if (frames.length > 0) draw()
  },
  onState (s) {
    state.dataset.state = s
    state.textContent = labels[s]
  }
})
feed.start()
