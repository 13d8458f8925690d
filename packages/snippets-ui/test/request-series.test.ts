import { test } from 'tap'
import { RequestSeries } from '../src/request-series.ts'

const request = { kind: 'api', route: '(unmatched)', status: 404, seconds: 0.001, bytesIn: 0, bytesOut: 0 }

test('a method Node does not know is counted as other, so a client cannot add series at will', async t => {
  const series = new RequestSeries([0.01, 0.1])
  for (let i = 0; i < 100; i++) series.record({ ...request, method: `INVENTED${i}` })
  series.record({ ...request, method: 'GET' })
  const methods = [...series.all()].map(s => s.labels.method).sort()
  t.same(methods, ['GET', 'other'], 'two series, not 101')
  t.equal([...series.all()].find(s => s.labels.method === 'other')?.count, 100)
})

test('requests of alternating kinds, routes, methods and statuses each land in their own series and counter', async t => {
  const series = new RequestSeries([0.01, 0.1])
  // The series and status remembered from the request before must never count one that differs in any label.
  const sequence = [
    { kind: 'api', route: '/a', method: 'GET', status: 200 },
    { kind: 'api', route: '/a', method: 'GET', status: 200 },
    { kind: 'api', route: '/a', method: 'GET', status: 500 },
    { kind: 'api', route: '/b', method: 'GET', status: 200 },
    { kind: 'web', route: '/b', method: 'GET', status: 200 },
    { kind: 'web', route: '/b', method: 'POST', status: 200 },
    { kind: 'web', route: '/b', method: 'INVENTED', status: 200 },
    { kind: 'web', route: '/b', method: 'other', status: 200 },
    { kind: 'api', route: '/a', method: 'GET', status: 200 }
  ]
  for (const r of sequence) series.record({ ...r, seconds: 0.05, bytesIn: 1, bytesOut: 2 })
  const counts: Record<string, number> = {}
  for (const s of series.all()) {
    for (const status of s.statuses.values()) counts[`${s.labels.kind} ${s.labels.route} ${s.labels.method} ${status.labels.status_code}`] = status.count
  }
  t.same(counts, {
    'api /a GET 200': 3,
    'api /a GET 500': 1,
    'api /b GET 200': 1,
    'web /b GET 200': 1,
    'web /b POST 200': 1,
    'web /b other 200': 2
  })
  const a = [...series.all()].find(s => s.labels.kind === 'api' && s.labels.route === '/a')!
  t.equal(a.count, 4, 'one series counts every status of its labels')
  t.same([...a.buckets], [0, 4, 0], 'each request in the bucket of its latency')
  t.equal(a.bytesOut, 8)
})
