import { normalizeTable, type EndpointTable, type RequestHeaders, type ServeHandler } from '@kinds/endpoint-table'
import { formatAddress, type HttpApi, type NetApi, type Router, type ListenerInfo, type Snippet } from '@kinds/kind-router'
import type { StatsStore } from './stats.js'
import type { Metrics } from './metrics.js'
import type { StatsFeed } from './feed.js'
import type { ClientAssets } from './assets.js'
import { MetricsCache } from './metrics-cache.js'
import { renderPage, type ListenerRow, type PageModel } from './page.js'
import { cspNonce } from './security-headers.js'
import { healthEndpoints } from './health.js'

export interface WebmgmtParts {
  title: string
  assets: ClientAssets
  feed: StatsFeed
  stats: StatsStore
  metrics: Metrics
  router: Router
  net: NetApi
  snippets: HttpApi['snippets']
  /** The text of /metrics: this process's registry, or the workers' aggregated. */
  renderMetrics: () => Promise<string>
  /** Milliseconds a rendered /metrics is served again. */
  metricsMaxAge: number
}

/** The built-in table of webmgmt: the page, /stats (JSON and WebSocket) and /metrics. */
export function webmgmtEndpoints (parts: WebmgmtParts): EndpointTable {
  const { feed, metrics } = parts
  return {
    '/': ['text/html; charset=utf-8', readOnly((_h, stream) => renderPage({ ...pageModel(parts), nonce: cspNonce(stream.reply) }))],
    '/stats': ['application/json', readOnly(async (h: RequestHeaders) => {
      const poll = await feed.poll()
      // Pollers (the page without a WebSocket) also need to know which keys are gauges.
      return new URLSearchParams(h.get(':path')?.split('?')[1] ?? '').has('feed') ? { ...poll } : poll.stats
    }), feed.websocket],
    '/metrics': [metrics.registry.contentType, readOnly(new MetricsCache(parts.renderMetrics, parts.metricsMaxAge).serve)],
    ...healthEndpoints(parts.net)
  }
}

/** The built-in endpoints only read: any method but GET and HEAD gets 405 with `allow` (RFC 9110). */
function readOnly (serve: ServeHandler): ServeHandler {
  return (h, stream) => {
    const method = h.get(':method')
    if (method === 'GET' || method === 'HEAD') return serve(h, stream)
    stream.reply.header('allow', 'GET, HEAD')
    return 405
  }
}

function pageModel ({ title, assets, router, net, snippets }: WebmgmtParts): PageModel {
  return {
    title,
    script: assets.script,
    style: assets.style,
    kinds: router.kinds().map(name => ({
      name,
      endpoints: normalizeTable(router.kindConfig(name).endpoints ?? {})
        .map(e => ({ path: e.path, mime: e.mime, websocket: e.websocket !== null }))
        .sort((a, b) => a.path.localeCompare(b.path))
    })),
    listeners: net.list().map(listenerRow),
    snippets: Object.entries(snippets).map(([key, snippet]) => [key, checkSnippet(key, snippet)] as const)
  }
}

/** A snippet that is not `[title, html]` shows as a note on the page instead of breaking it. */
function checkSnippet (key: string, snippet: unknown): Snippet {
  if (Array.isArray(snippet) && snippet.length === 2 && typeof snippet[0] === 'string' && typeof snippet[1] === 'string') {
    return snippet as unknown as Snippet
  }
  return [key, '<p class="invalid">This snippet is not [title, html] and is not shown.</p>']
}

function listenerRow (l: ListenerInfo): ListenerRow {
  return {
    kind: l.kind,
    address: formatAddress(l),
    tls: l.tls === 'auto' ? 'plain + TLS' : l.tls ? 'TLS' : 'plain',
    protocols: l.protocols.join(', '),
    connections: l.connections
  }
}
