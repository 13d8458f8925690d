// The management page: live charts over a fixed window, the metric picker and the
// instances table, fed by /stats.
import type uPlot from 'uplot'
import type { StatsFrame, StatsHello } from '../src/wire.js'
import { Feed, type FeedState } from './feed.js'
import { TimeChart, type Heat, type SeriesSpec } from './charts.js'
import { bucketCounts, catalog, kindsOf, quantile, rate, type Metric } from './catalog.js'
import { Picker } from './picker.js'
import { Instances } from './instances.js'
import { setUpMenus } from './menus.js'
import { Timeline, type Point } from './timeline.js'

/** Kinds drawn on their own in the requests chart; the others are summed as "other". */
const TOP_KINDS = 5
/** Colour-blind safe (Okabe–Ito, then Tableau), distinct in light and dark. */
const palette = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#b59b00', '#8c564b', '#7f7f7f', '#17becf']
const statusColors: Record<string, string> = { '1xx': '#7f7f7f', '2xx': '#009e73', '3xx': '#0072b2', '4xx': '#e69f00', '5xx': '#d55e00' }

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T
const timeline = new Timeline()
const instances = new Instances($('instances-body'))
/** The latency bucket bounds (s), from the server's first message. */
let bounds: readonly number[] = []
let gauges = new Set<string>()
const known = new Set<string>()
let metrics = new Map<string, Metric>()
let windowMs = 300_000

const charts = {
  kinds: new TimeChart($('chart-kinds'), 'No request yet.'),
  status: new TimeChart($('chart-status'), 'No request yet.'),
  latency: new TimeChart($('chart-latency'), 'No request yet.', true),
  picked: new TimeChart($('chart-picked'), 'Pick metrics below to plot them here.')
}

const picker = new Picker({
  list: $('metric-list'),
  filter: $<HTMLInputElement>('metric-filter'),
  kind: $<HTMLSelectElement>('picker-kind'),
  none: $('metric-none'),
  onChange: () => draw()
})

function onHello (hello: StatsHello): void {
  timeline.interval = hello.interval
  bounds = hello.latencyBuckets
  onFrames(hello.history)
}

function onFrames (frames: readonly StatsFrame[]): void {
  if (frames.length === 0 || !timeline.add(frames)) return
  let fresh = false
  for (const frame of frames) {
    for (const key of Object.keys(frame.stats)) {
      if (!known.has(key)) {
        known.add(key)
        fresh = true
      }
    }
  }
  if (fresh) {
    refreshCatalog()
    feed.refreshGauges()
  }
  instances.add(frames, timeline.interval)
  renderConnections(timeline.last!.stats)
  draw()
  // The time of the last tick drawn, for whoever watches the page (the browser tests).
  document.body.dataset.lastFrame = String(timeline.last!.time)
}

function refreshCatalog (): void {
  metrics = catalog(known, gauges, bounds)
  picker.offer(metrics)
  const select = $<HTMLSelectElement>('picker-kind')
  const kinds = kindsOf(known)
  if ([...select.options].map(o => o.value).join() !== kinds.join()) {
    const chosen = select.value
    select.replaceChildren(...kinds.map(k => new Option(k, k, false, k === chosen)))
    picker.render()
  }
}

function series (points: Point[], value: (p: Point) => number | null): Array<number | null> {
  return points.map(value)
}

let drawnAt = 0

function draw (): void {
  drawnAt = performance.now()
  const points = timeline.points(windowMs)
  const now = timeline.now()
  const window: [number, number] = [(now - windowMs) / 1000, now / 1000]
  const gapsMs = timeline.gaps(windowMs)
  const gaps = gapsMs.map(([a, b]) => [a / 1000, b / 1000] as [number, number])
  // What the browser tests read: the spans without frames, and how many frames the first drawing had.
  document.body.dataset.gaps = JSON.stringify(gapsMs)
  document.body.dataset.firstDraw ??= String(timeline.frames.length)
  const times = points.map(p => p.time / 1000)
  const kinds = kindsOf(known)

  // The busiest kinds over the window, the rest summed as "other"; any kind can be picked below.
  const totals = kinds.map(k => [k, points.reduce((n, p) => n + (p.frame?.stats[`kind.${k}.request.total`] ?? 0), 0)] as const)
  const top = totals.filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, TOP_KINDS).map(([k]) => k).sort()
  const rest = kinds.filter(k => !top.includes(k))
  const kindSpecs: SeriesSpec[] = top.map((k, i) => ({ label: k, color: palette[i]!, unit: 'req/s' }))
  const kindData = top.map(k => series(points, rate(`kind.${k}.request.total`)))
  if (rest.length > 0 && top.length > 0) {
    kindSpecs.push({ label: `other (${rest.length})`, color: '#7f7f7f', unit: 'req/s', dash: [5, 4] })
    kindData.push(points.map(p => p.frame === null ? null : rest.reduce((n, k) => n + (p.frame!.stats[`kind.${k}.request.total`] ?? 0), 0) / p.seconds))
  }
  charts.kinds.update(kindSpecs, [times, ...kindData] as uPlot.AlignedData, window, gaps)

  const classes = ['2xx', '3xx', '4xx', '5xx', '1xx'].filter(c => c === '2xx' || points.some(p => (p.frame?.stats[`request.${c}`] ?? 0) > 0))
  charts.status.update(
    top.length === 0 ? [] : classes.map(c => ({ label: c, color: statusColors[c]!, unit: 'req/s' })),
    [times, ...classes.map(c => series(points, rate(`request.${c}`)))] as uPlot.AlignedData, window, gaps
  )

  const kind = $<HTMLSelectElement>('latency-kind').value
  const prefix = kind === '' ? '' : `kind.${kind}.`
  const heat: Heat | undefined = bounds.length === 0
    ? undefined
    : {
        counts: points.map(p => bucketCounts(p, bounds, prefix)),
        // The first bucket is drawn from half its bound (a log axis has no 0), the last one to twice the last bound.
        extents: [...bounds, bounds[bounds.length - 1]! * 2].map((le, i) => [i === 0 ? le * 500 : bounds[i - 1]! * 1000, le * 1000])
      }
  const quantiles = [['p50 (est.)', 0.5, '#009e73'], ['p90 (est.)', 0.9, '#e69f00'], ['p99 (est.)', 0.99, '#d55e00']] as const
  charts.latency.update(
    top.length === 0 ? [] : quantiles.map(([label, , color]) => ({ label, color, unit: 'ms' })),
    [times, ...quantiles.map(([, q]) => series(points, quantile(bounds, q, prefix)))] as uPlot.AlignedData, window, gaps, heat
  )

  const picked = [...picker.picked].map(id => metrics.get(id)).filter((m): m is Metric => m !== undefined)
  charts.picked.update(
    picked.map((m, i) => ({ label: `${m.label} (${m.unit})`, color: palette[i % palette.length]!, unit: m.unit, dash: i >= palette.length ? [4, 3] : undefined })),
    [times, ...picked.map(m => series(points, m.value))] as uPlot.AlignedData, window, gaps
  )
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

for (const input of document.querySelectorAll<HTMLInputElement>('#window input')) {
  input.addEventListener('change', () => {
    windowMs = Number(input.value) * 1000
    document.body.dataset.window = input.value
    draw()
  })
}
$('latency-kind').addEventListener('change', () => draw())
setUpMenus([$<HTMLDetailsElement>('sections-menu'), $<HTMLDetailsElement>('modules-menu')])
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  for (const chart of Object.values(charts)) chart.restyle()
  draw()
})

const state = $('feed-state')
const feed = new Feed({
  onHello,
  onFrame: frame => onFrames([frame]),
  onGauges (g) {
    if ([...g].join() === [...gauges].join()) return
    gauges = g
    refreshCatalog()
  },
  onState (s: FeedState) {
    state.dataset.state = s
    state.textContent = s
  }
})
feed.start()
// The window keeps moving while the feed is silent: the silence shows as a shaded gap.
setInterval(() => {
  if (timeline.last !== undefined && performance.now() - drawnAt > 900) draw()
}, 1000)
