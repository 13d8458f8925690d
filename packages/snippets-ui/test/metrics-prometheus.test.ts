// examples/prometheus/ checked by promtool, then a real Prometheus scraping two demo processes and an
// OpenMetrics instance every second, its recording rules queried through its HTTP API.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap, { test } from 'tap'
import { Registry, type OpenMetricsContentType } from 'prom-client'
import { request } from 'undici'
import { freePort, root, startChild } from '../../kind-router/test/support/child.ts'
import { build } from './support/app.ts'
import { needs, runTool, PROMETHEUS, PROMTOOL } from './support/tools.ts'

const examples = join(root, 'examples/prometheus')
tap.setTimeout(120_000)

test('the example scrape config, recording rules and alerts pass promtool check', { skip: needs(PROMTOOL, 'prometheus') }, async t => {
  const config = runTool(PROMTOOL, ['check', 'config', join(examples, 'prometheus.yml')])
  t.equal(config.status, 0, config.stdout + config.stderr)
  t.match(config.stdout, /SUCCESS: 2 rule files found/)
  const rules = runTool(PROMTOOL, ['check', 'rules', join(examples, 'rules.yml'), join(examples, 'alerts.yml')])
  t.equal(rules.status, 0, rules.stdout + rules.stderr)
  t.match(rules.stdout, /rules\.yml\n {2}SUCCESS: 4 rules found/)
  t.match(rules.stdout, /alerts\.yml\n {2}SUCCESS: 4 rules found/)
})

interface Sample { metric: Record<string, string>, value: [number, string] }

async function query (base: string, promql: string): Promise<Sample[]> {
  const res = await request(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`)
  const body = await res.body.json() as { status: string, data?: { result: Sample[] }, error?: string }
  if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`)
  return body.data!.result
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

test('a real Prometheus scrapes two demo processes and an OpenMetrics instance and records the error ratio per kind', { skip: needs(PROMETHEUS, 'prometheus') }, async t => {
  // Two demo processes: webmgmt (Prometheus text) and myservice, whose POST of a non-number is a 500.
  const demos = await Promise.all([0, 1].map(async () => {
    const ports = { webmgmt: await freePort(), service: await freePort() }
    const demo = startChild(t, process.execPath, ['--import', 'tsx', 'examples/seed-chapter/index.ts'], { WEBMGMT_PORT: String(ports.webmgmt), SERVICE_PORT: String(ports.service), HOST: '127.0.0.1', LOG_LEVEL: 'info' })
    t.teardown(async () => {
      demo.process.kill('SIGTERM')
      await demo.exited
    })
    await demo.line(l => typeof l.msg === 'string' && l.msg.startsWith('myservice on'), 'the demo listens', 60_000)
    return ports
  }))
  // A third instance whose registry writes OpenMetrics, which Prometheus reads with its OpenMetrics parser.
  const registry = new Registry<OpenMetricsContentType>()
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE)
  const om = await build(t, { registry })

  const dir = mkdtempSync(join(tmpdir(), 'kinds-prometheus-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const targets = [...demos.map(d => `127.0.0.1:${d.webmgmt}`), om.webmgmt.replace('http://', '')]
  writeFileSync(join(dir, 'prometheus.yml'), [
    'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
    `rule_files: [${JSON.stringify(join(examples, 'rules.yml'))}, ${JSON.stringify(join(examples, 'alerts.yml'))}]`,
    'scrape_configs:',
    '  - job_name: kinds',
    `    static_configs: [{ targets: ${JSON.stringify(targets)} }]`,
    ''
  ].join('\n'))
  const prometheus = startChild(t, PROMETHEUS, [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    '--web.listen-address=127.0.0.1:0'
  ])
  t.teardown(async () => {
    prometheus.process.kill('SIGTERM')
    await prometheus.exited
  })
  let base: string | undefined
  for (let i = 0; i < 200 && base === undefined; i++) {
    const port = /msg="Listening on" address=127\.0\.0\.1:(\d+)/.exec(prometheus.stderr())?.[1]
    if (port !== undefined) base = `http://127.0.0.1:${port}`
    else await sleep(100)
  }
  if (base === undefined) throw new Error(`Prometheus did not start: ${prometheus.stderr()}`)

  // Rounds of three GETs and one failing POST on each demo's myservice, and the OM instance's api, until the rules answer.
  const round = async (): Promise<void> => {
    for (const d of demos) {
      for (let i = 0; i < 3; i++) await (await request(`http://127.0.0.1:${d.service}/service`)).body.dump()
      await (await request(`http://127.0.0.1:${d.service}/service`, { method: 'POST', body: 'not a number' })).body.dump()
    }
    for (let i = 0; i < 3; i++) await (await request(`${om.api}/ok`)).body.dump()
    await (await request(`${om.api}/boom`)).body.dump()
  }
  let ratio: Sample[] = []
  const deadline = Date.now() + 45_000
  for (let n = 0; n < 1000 && Date.now() < deadline; n++) {
    await round()
    await sleep(100)
    if (n % 5 !== 4) continue
    ratio = await query(base, 'kind:kinds_http_requests_errors:ratio_rate5m')
    const up = await query(base, 'up{job="kinds"} == 1')
    if (up.length === targets.length && ['myservice', 'api'].every(kind => ratio.some(s => s.metric.kind === kind && Number(s.value[1]) > 0))) break
  }
  const up = await query(base, 'up{job="kinds"}')
  t.same(up.map(s => s.value[1]), targets.map(() => '1'), 'every instance is up, the OpenMetrics one too')
  const errorRatio = (kind: string): number => Number(ratio.find(s => s.metric.kind === kind)?.value[1])
  t.comment(`kind:kinds_http_requests_errors:ratio_rate5m myservice=${errorRatio('myservice')} api=${errorRatio('api')}`)
  t.ok(errorRatio('myservice') > 0.1 && errorRatio('myservice') < 0.4, `myservice: one request in four fails (${errorRatio('myservice')}), summed over both demos`)
  t.ok(errorRatio('api') > 0.1 && errorRatio('api') < 0.4, `api, read as OpenMetrics: one in four (${errorRatio('api')})`)
  const rate = await query(base, 'kind:kinds_http_requests:rate5m{kind="myservice"}')
  t.ok(Number(rate[0]?.value[1]) > 0, 'the request rate rule')
  const p99 = await query(base, 'kind:kinds_http_request_duration_seconds:p99_rate5m{kind="myservice"}')
  t.ok(Number(p99[0]?.value[1]) > 0 && Number(p99[0]?.value[1]) <= 60, `the p99 rule, within the buckets (${p99[0]?.value[1]} s)`)
  const instances = await query(base, 'count by (instance) (kinds_http_requests_total{kind="myservice",status_code="500"})')
  t.equal(instances.length, 2, 'each demo has its 500 series')
})
