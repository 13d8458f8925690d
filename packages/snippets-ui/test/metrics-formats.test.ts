// /metrics read by strict parsers: promtool for the Prometheus text format, the Prometheus project's Python parser for OpenMetrics.
import { test } from 'tap'
import { Registry, type OpenMetricsContentType } from 'prom-client'
import { build, get, traffic, Client, type Built } from './support/app.ts'
import { needs, runTool, PROMTOOL, PYTHON } from './support/tools.ts'

const OURS = /^kinds_/

async function withTraffic (built: Built): Promise<string> {
  await traffic(built.api, '/ok', 3)
  await traffic(built.api, '/boom', 1)
  await traffic(built.api, '/nowhere', 1)
  const ws = await new Client(`${built.api.replace('http', 'ws')}/echo`).open()
  await ws.close()
  built.app.stats.add('jobs.done', 2, { kind: 'api' })
  built.app.stats.set('queue.depth', 7)
  const res = await get(`${built.webmgmt}/metrics`)
  if (res.status !== 200) throw new Error(`/metrics: ${res.status}`)
  return res.body
}

/** The families of a text exposition whose name matches, each with its HELP, TYPE and samples. */
function onlyFamilies (text: string, name: RegExp): string {
  return text.split(/\n(?=# HELP )/).filter(block => name.test(block.slice('# HELP '.length))).join('\n').trimEnd() + '\n'
}

test('promtool check metrics reports nothing for our own metrics', { skip: needs(PROMTOOL, 'prometheus') }, async t => {
  const text = await withTraffic(await build(t, { metricsMaxAge: 0 }))
  const ours = onlyFamilies(text, OURS)
  t.match(ours, /^kinds_http_requests_total\{/m, 'our families are in the check')
  t.match(ours, /^kinds_http_request_duration_seconds_bucket\{/m)
  const mine = runTool(PROMTOOL, ['check', 'metrics'], ours)
  t.equal(mine.stdout + mine.stderr, '', 'no complaint')
  t.equal(mine.status, 0)

  // The whole page: promtool only lints prom-client's default metrics, which keep their names on purpose.
  const all = runTool(PROMTOOL, ['check', 'metrics'], text)
  const complaints = (all.stdout + all.stderr).split('\n').filter(line => line !== '')
  t.comment(`promtool check metrics on the whole /metrics:\n${complaints.join('\n')}`)
  t.notOk(complaints.some(line => OURS.test(line)), 'no complaint names one of ours')
  t.ok(complaints.every(line => /^(nodejs|process)_/.test(line)), 'only prom-client\'s defaults')
})

const OPENMETRICS_CHECK = `
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
print(json.dumps({f.name: [f.type, len(f.samples)] for f in text_string_to_metric_families(sys.stdin.read())}))
`

test('with an OpenMetrics registry /metrics is OpenMetrics 1.0 that a strict parser reads whole', { skip: needs(PYTHON, 'python3-prometheus-client', 'prometheus_client') }, async t => {
  const registry = new Registry<OpenMetricsContentType>()
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE)
  const built = await build(t, { registry })
  const text = await withTraffic(built)
  t.match((await get(`${built.webmgmt}/metrics`)).headers['content-type'], /^application\/openmetrics-text; version=1\.0\.0/)
  const parsed = runTool(PYTHON, ['-c', OPENMETRICS_CHECK], text)
  t.equal(parsed.stderr, '', 'the parser accepts every line')
  t.equal(parsed.status, 0)
  const families = JSON.parse(parsed.stdout || '{}') as Record<string, [string, number]>
  t.comment(`OpenMetrics parse: ${Object.keys(families).length} families, ${Object.values(families).reduce((n, [, s]) => n + s, 0)} samples`)
  t.same(families.kinds_http_requests?.[0], 'counter')
  t.same(families.kinds_http_request_duration_seconds?.[0], 'histogram')
  t.same(families.kinds_websocket_opened?.[0], 'counter')
  t.same(families.kinds_websocket_closed?.[0], 'counter')
  t.same(families.kinds_websocket_open_connections?.[0], 'gauge')
  t.same(families.kinds_jobs_done?.[0], 'counter', 'a user counter')
  t.same(families.kinds_queue_depth?.[0], 'gauge', 'a user gauge')
  t.same(families.process_cpu_user_seconds?.[0], 'counter', 'prom-client\'s defaults')

  // The parser is strict: the gauge and counter the old names made are one family twice.
  const clash = runTool(PYTHON, ['-c', OPENMETRICS_CHECK], '# TYPE websocket_connections gauge\nwebsocket_connections 1\n# TYPE websocket_connections counter\nwebsocket_connections_total 1\n# EOF\n')
  t.not(clash.status, 0, 'a family twice is refused')
})
