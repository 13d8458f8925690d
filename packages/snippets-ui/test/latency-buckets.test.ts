import { test } from 'tap'
import { bucketIndex, bucketName, checkLatencyBuckets, DEFAULT_LATENCY_BUCKETS, estimateQuantile } from '../src/latency-buckets.ts'

test('the default latency buckets are log-spaced from 0.5 ms to past the 30 s handler timeout', async t => {
  t.equal(DEFAULT_LATENCY_BUCKETS[0], 0.0005)
  t.ok(DEFAULT_LATENCY_BUCKETS.at(-1)! > 30, 'the last bound is past the handler timeout')
  for (let i = 1; i < DEFAULT_LATENCY_BUCKETS.length; i++) {
    const ratio = DEFAULT_LATENCY_BUCKETS[i]! / DEFAULT_LATENCY_BUCKETS[i - 1]!
    t.ok(ratio >= 1.5 && ratio <= 2.5, `bound ${i} is 1.5 to 2.5 times the one before (${ratio})`)
  }
})

test('a duration falls in the first bucket whose bound is not below it', async t => {
  const bounds = [0.001, 0.01, 0.1]
  t.equal(bucketIndex(bounds, 0), 0)
  t.equal(bucketIndex(bounds, 0.001), 0, 'le is inclusive, as in Prometheus')
  t.equal(bucketIndex(bounds, 0.0011), 1)
  t.equal(bucketIndex(bounds, 0.1), 2)
  t.equal(bucketIndex(bounds, 5), 3, 'past the last bound')
  for (const s of [0.0001, 0.0007, 0.003, 0.04, 0.7, 3, 25, 45, 100]) {
    const i = bucketIndex(DEFAULT_LATENCY_BUCKETS, s)
    const linear = DEFAULT_LATENCY_BUCKETS.findIndex(le => s <= le)
    t.equal(i, linear === -1 ? DEFAULT_LATENCY_BUCKETS.length : linear, `${s} s`)
  }
})

test('quantiles are interpolated inside the bucket that holds them', async t => {
  const bounds = [0.001, 0.002, 0.004]
  // 100 requests, all in (1 ms, 2 ms]: the median is half way through that bucket.
  t.equal(estimateQuantile(bounds, [0, 100, 0, 0], 0.5), 0.0015)
  t.equal(estimateQuantile(bounds, [50, 50, 0, 0], 0.5), 0.001)
  t.ok(Math.abs(estimateQuantile(bounds, [50, 50, 0, 0], 0.99)! - 0.00198) < 1e-12)
  t.equal(estimateQuantile(bounds, [0, 0, 0, 10], 0.99), 0.004, 'past the last bound: the last bound')
  t.equal(estimateQuantile(bounds, [0, 0, 0, 0], 0.5), null, 'no data')
})

test('the latencyBuckets option is checked when given', async t => {
  t.same(checkLatencyBuckets([0.01, 0.1, 1]), [0.01, 0.1, 1])
  t.equal(checkLatencyBuckets(undefined), DEFAULT_LATENCY_BUCKETS)
  t.throws(() => checkLatencyBuckets([]), { code: 'KINDS_ERR_UI_OPTION' })
  t.throws(() => checkLatencyBuckets([0.1, 0.1]), { code: 'KINDS_ERR_UI_OPTION', message: /increase/ })
  t.throws(() => checkLatencyBuckets([-1]), { code: 'KINDS_ERR_UI_OPTION', message: /positive/ })
  t.throws(() => checkLatencyBuckets('fast'), { code: 'KINDS_ERR_UI_OPTION' })
})

test('bucket names read as durations', async t => {
  t.equal(bucketName(0.0005), '0.5ms')
  t.equal(bucketName(0.02), '20ms')
  t.equal(bucketName(1), '1s')
  t.equal(bucketName(60), '60s')
})
