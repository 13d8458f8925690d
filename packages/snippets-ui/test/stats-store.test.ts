import { test } from 'tap'
import { StatsStore } from '../src/stats.ts'

test('requests of alternating kinds are counted under their own kind, and all under the totals', async t => {
  const stats = new StatsStore([0.01, 0.1])
  // The cells remembered for the kind before must never count a request of another kind.
  for (const [kind, status] of [['api', 200], ['api', 200], ['web', 404], ['api', 500], ['web', 200], ['web', 200]] as const) {
    stats.request(kind, status, 0.05)
  }
  stats.request('api', 200, 0.005, 0)
  const s = stats.snapshot()
  t.equal(s['request.total'], 7)
  t.equal(s['kind.api.request.total'], 4)
  t.equal(s['kind.web.request.total'], 3)
  t.equal(s['kind.api.request.2xx'], 3)
  t.equal(s['kind.api.request.5xx'], 1)
  t.equal(s['kind.web.request.4xx'], 1)
  t.equal(s['kind.web.request.2xx'], 2)
  t.equal(s['request.2xx'], 5)
  t.equal(s['kind.api.latency.10ms'], 1, 'a bucket given by the caller is the one counted')
  t.equal(s['kind.api.latency.100ms'], 3)
  t.equal(s['latency.100ms'], 6)
})
