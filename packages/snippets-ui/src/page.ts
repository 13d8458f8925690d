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

/** A snippet as the page shows it: the title escaped, the html trusted; its `<script>` tags get the CSP nonce, so they run. */
export function renderSnippet ([title, html]: Snippet, nonce?: string): string {
  const body = nonce === undefined ? html : html.replace(/<script\b(?![^>]*\snonce=)/gi, `<script nonce="${escapeHtml(nonce)}"`)
  return `<section id="${escapeHtml(slug(title))}"><h2>${escapeHtml(title)}</h2>\n${body}</section>`
}

/** The management page; the tables are filled here so the page reads well before its script runs. */
export function renderPage (model: PageModel): string {
  const t = escapeHtml(model.title)
  const modules = model.snippets.length === 0
    ? '<li class="empty">No modules</li>'
    : model.snippets.map(([, [title]]) => `<li><a href="#${escapeHtml(slug(title))}">${escapeHtml(title)}</a></li>`).join('')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeHtml(model.style)}">
<script type="module"${model.nonce === undefined ? '' : ` nonce="${escapeHtml(model.nonce)}"`} src="${escapeHtml(model.script)}"></script>
</head>
<body>
<header class="bar">
  <a class="brand" href="#top">${t}</a>
  <span id="feed-state" class="feed" data-state="connecting" title="Live feed">connecting</span>
  <nav>
    <a href="#metrics">Metrics</a>
    <a href="#instances">Instances</a>
    <a href="#listeners">Listeners</a>
    <a href="#endpoints">Endpoints</a>
    <details class="menu" id="modules-menu">
      <summary>Modules</summary>
      <ul>${modules}</ul>
    </details>
  </nav>
</header>
<main id="top">
<section id="metrics" class="panel">
  <h1>Metrics</h1>
  <div class="charts">
    <figure><figcaption>Requests per second by kind</figcaption><div class="chart" id="chart-kinds"></div></figure>
    <figure><figcaption>Requests per second by status</figcaption><div class="chart" id="chart-status"></div></figure>
    <figure><figcaption>Latency (ms)</figcaption><div class="chart" id="chart-latency"></div></figure>
    <figure><figcaption>More metrics <span class="hint">per second for counters, values for gauges</span></figcaption><div class="chart" id="chart-picked"></div></figure>
  </div>
  <div class="picker">
    <label for="metric-filter">More metrics</label>
    <input id="metric-filter" type="search" placeholder="Filter metrics, click to plot" autocomplete="off">
    <div id="metric-list" class="chips" role="listbox" aria-multiselectable="true"></div>
  </div>
</section>
<section id="instances" class="panel">
  <h1>Instances</h1>
  <table class="grid">
    <thead><tr><th>PID</th><th>Thread</th><th class="num">CPU user</th><th class="num">CPU sys</th><th class="num">RSS</th><th class="num">Heap</th><th class="num">Event-loop delay (mean / p99)</th><th class="num">Uptime</th><th>Status</th></tr></thead>
    <tbody id="instances-body"><tr><td colspan="9" class="muted">waiting for the first tick…</td></tr></tbody>
  </table>
</section>
<section id="listeners" class="panel">
  <h1>Listeners</h1>
  <table class="grid">
    <thead><tr><th>Kind</th><th>Address</th><th>TLS</th><th>Protocols</th><th class="num">Open connections</th></tr></thead>
    <tbody>${model.listeners.length === 0
      ? '<tr><td colspan="5" class="muted">No listener</td></tr>'
      : model.listeners.map(l => `<tr><td><span class="kind">${escapeHtml(l.kind)}</span></td><td><code>${escapeHtml(l.address)}</code></td><td>${escapeHtml(l.tls)}</td><td>${escapeHtml(l.protocols)}</td><td class="num" data-connections-kind="${escapeHtml(l.kind)}">${l.connections}</td></tr>`).join('')}</tbody>
  </table>
</section>
<section id="endpoints" class="panel">
  <h1>Endpoints</h1>
  <div class="kinds">${model.kinds.map(k => `
    <div class="card">
      <h3><span class="kind">${escapeHtml(k.name)}</span></h3>
      <table class="grid compact">
        <thead><tr><th>Path</th><th>MIME</th><th>WebSocket</th></tr></thead>
        <tbody>${k.endpoints.length === 0
          ? '<tr><td colspan="3" class="muted">No endpoint</td></tr>'
          : k.endpoints.map(e => `<tr><td><code>${escapeHtml(e.path)}</code></td><td>${escapeHtml(e.mime)}</td><td>${e.websocket ? '<span class="yes">yes</span>' : '<span class="no">no</span>'}</td></tr>`).join('')}</tbody>
      </table>
    </div>`).join('')}
  </div>
</section>
<div id="snippets" class="snippets">
${model.snippets.map(([, snippet]) => renderSnippet(snippet, model.nonce)).join('\n')}
</div>
</main>
</body>
</html>
`
}
