import type { Snippet } from '@kinds/kind-router'

/** What the page shows of a kind's table. */
export interface EndpointRow {
  path: string
  mime: string
  websocket: boolean
}

export interface ListenerRow {
  kind: string
  address: string
  tls: string
  protocols: string
  connections: number
}

export interface PageModel {
  title: string
  /** Asset URLs with their content hash, so a day of caching never serves a stale bundle. */
  script: string
  style: string
  kinds: Array<{ name: string, endpoints: EndpointRow[] }>
  listeners: ListenerRow[]
  snippets: ReadonlyArray<readonly [key: string, snippet: Snippet]>
  /** The response's CSP nonce, given to the page's script and to every snippet's `<script>`. */
  nonce?: string
}

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, c => entities[c]!)
}

/** A snippet's id: the title lower-cased, spaces to `-`. */
export function slug (title: string): string {
  return title.toLowerCase().replace(/ /g, '-')
}

/** A snippet as the page shows it: the title escaped, the html trusted; `id` defaults to the slug of the title; with a CSP `nonce`, its `<script>` tags get it, so they run. */
export function renderSnippet ([title, html]: Snippet, id = slug(title), nonce?: string): string {
  const body = nonce === undefined ? html : html.replace(/<script\b(?![^>]*\snonce=)/gi, `<script nonce="${escapeHtml(nonce)}"`)
  return `<section id="${escapeHtml(id)}"><h2>${escapeHtml(title)}</h2>\n${body}</section>`
}

/** The anchor of each snippet: its slug, then `-2`, `-3` … for a title seen before, so every menu entry has its own. */
export function snippetIds (titles: readonly string[]): string[] {
  const taken = new Set<string>(['top', 'metrics', 'instances', 'listeners', 'endpoints', 'snippets'])
  return titles.map(title => {
    const base = slug(title)
    let id = base
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`
    taken.add(id)
    return id
  })
}

const sections = [['metrics', 'Metrics'], ['instances', 'Instances'], ['listeners', 'Listeners'], ['endpoints', 'Endpoints']] as const

/** The management page; the tables are filled here so the page reads well before its script runs. */
export function renderPage (model: PageModel): string {
  const t = escapeHtml(model.title)
  const ids = snippetIds(model.snippets.map(([, [title]]) => title))
  const modules = model.snippets.length === 0
    ? '<li class="empty">No modules</li>'
    : model.snippets.map(([, [title]], i) => `<li><a href="#${escapeHtml(ids[i]!)}">${escapeHtml(title)}</a></li>`).join('')
  const links = sections.map(([id, label]) => `<a href="#${id}">${label}</a>`)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${t}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeHtml(model.style)}">
<script type="module"${model.nonce === undefined ? '' : ` nonce="${escapeHtml(model.nonce)}"`} src="${escapeHtml(model.script)}"></script>
</head>
<body>
<header class="bar">
  <a class="brand" href="#top">${t}</a>
  <span id="feed-state" class="feed" data-state="connecting" role="status" title="State of the live feed">connecting</span>
  <nav aria-label="Sections">
    <span class="links">${links.join('')}</span>
    <details class="menu" id="sections-menu">
      <summary>Sections</summary>
      <ul>${links.map(a => `<li>${a}</li>`).join('')}</ul>
    </details>
    <details class="menu" id="modules-menu">
      <summary>Modules</summary>
      <ul>${modules}</ul>
    </details>
  </nav>
</header>
<main id="top">
<section id="metrics" class="panel" tabindex="-1">
  <div class="panel-head">
    <h1>Metrics</h1>
    <fieldset class="window" id="window">
      <legend>Window</legend>
      <label><input type="radio" name="window" value="60">1 min</label>
      <label><input type="radio" name="window" value="300" checked>5 min</label>
      <label><input type="radio" name="window" value="900">15 min</label>
    </fieldset>
  </div>
  <div class="charts">
    <figure><figcaption>Requests by kind <span class="hint">req/s, the busiest kinds and the rest as "other"</span></figcaption><div class="chart" id="chart-kinds"></div></figure>
    <figure><figcaption>Requests by status <span class="hint">req/s</span></figcaption><div class="chart" id="chart-status"></div></figure>
    <figure><figcaption>Latency distribution <span class="hint">requests per bucket, darker is more; p50, p90, p99 are estimates within the buckets</span>
      <label class="inline">of <select id="latency-kind"><option value="">all kinds</option>${model.kinds.map(k => `<option value="${escapeHtml(k.name)}">${escapeHtml(k.name)}</option>`).join('')}</select></label></figcaption>
      <div class="chart" id="chart-latency"></div></figure>
    <figure><figcaption>More metrics <span class="hint">picked below, one axis per unit</span></figcaption><div class="chart" id="chart-picked"></div></figure>
  </div>
  <div class="picker">
    <div class="picker-head">
      <label for="metric-filter">More metrics</label>
      <input id="metric-filter" type="search" placeholder="Filter, then pick to plot" autocomplete="off" aria-controls="metric-list">
      <label class="inline">Per kind <select id="picker-kind">${model.kinds.map(k => `<option value="${escapeHtml(k.name)}">${escapeHtml(k.name)}</option>`).join('')}</select></label>
    </div>
    <div id="metric-list" class="chips" role="toolbar" aria-label="Metrics to plot" aria-orientation="horizontal"></div>
    <p id="metric-none" class="muted" hidden>No metric matches the filter.</p>
  </div>
</section>
<section id="instances" class="panel" tabindex="-1">
  <h1>Instances</h1>
  <table class="grid cards">
    <thead><tr><th>PID</th><th>Thread</th><th>CPU <span class="hint">last minute</span></th><th class="num">RSS</th><th class="num">Heap</th><th class="num">Event-loop lag <span class="hint">mean / p99</span></th><th class="num">Uptime</th><th>Status</th></tr></thead>
    <tbody id="instances-body"><tr><td colspan="8" class="muted">waiting for the first tick…</td></tr></tbody>
  </table>
</section>
<section id="listeners" class="panel" tabindex="-1">
  <h1>Listeners</h1>
  <table class="grid cards">
    <thead><tr><th>Kind</th><th>Address</th><th>TLS</th><th>Protocols</th><th class="num">Open connections</th></tr></thead>
    <tbody>${model.listeners.length === 0
      ? '<tr><td colspan="5" class="muted">No listener</td></tr>'
      : model.listeners.map(l => `<tr><td data-label="Kind"><span class="kind">${escapeHtml(l.kind)}</span></td><td data-label="Address"><code>${escapeHtml(l.address)}</code></td><td data-label="TLS">${escapeHtml(l.tls)}</td><td data-label="Protocols">${escapeHtml(l.protocols)}</td><td class="num" data-label="Open connections" data-connections-kind="${escapeHtml(l.kind)}">${l.connections}</td></tr>`).join('')}</tbody>
  </table>
</section>
<section id="endpoints" class="panel" tabindex="-1">
  <h1>Endpoints</h1>
  <div class="kinds">${model.kinds.map(k => `
    <div class="card">
      <h2 class="card-title"><span class="kind">${escapeHtml(k.name)}</span></h2>
      <table class="grid compact endpoints cards">
        <thead><tr><th>Path</th><th>MIME</th><th>WebSocket</th></tr></thead>
        <tbody>${k.endpoints.length === 0
          ? '<tr><td colspan="3" class="muted">No endpoint</td></tr>'
          : k.endpoints.map(e => `<tr><td data-label="Path"><code>${escapeHtml(e.path)}</code></td><td data-label="MIME">${escapeHtml(e.mime)}</td><td data-label="WebSocket">${e.websocket ? '<span class="yes">yes</span>' : '<span class="no">no</span>'}</td></tr>`).join('')}</tbody>
      </table>
    </div>`).join('')}
  </div>
</section>
<div id="snippets" class="snippets">
${model.snippets.map(([, snippet], i) => renderSnippet(snippet, ids[i], model.nonce)).join('\n')}
</div>
</main>
</body>
</html>
`
}
