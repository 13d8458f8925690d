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
