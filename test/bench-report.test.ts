// The bench driver's own logic (no load is run): its flags, and the ratio lines `pnpm bench`
// ends with, medians, per-round ratios, best rounds and CPU per request, a failed round included.
import { test } from 'tap'
import { benchFlags } from '../bench/lib/flags.ts'
import { asLoad, asServer, pinTo } from '../bench/lib/pin.ts'
import { ratioLines } from '../bench/lib/user-path-report.ts'
import type { Sample } from '../bench/lib/sample.ts'

function sample (rps: number, cpuUs: number): Sample {
  return { rps, p99: 1, requests: rps * 5, failures: 0, cpuUs }
}

const ratio = { group: 'd', name: 'kind h2 / fastify h2', top: 'kind', bottom: 'fastify', target: '≥ 0.95' }

test('a ratio line gives the ratio of medians, each round, the best rounds and CPU per request', async t => {
  const samples = new Map([
    ['kind', [sample(900, 110), sample(1000, 100), sample(700, 140)]],
    ['fastify', [sample(1000, 100), sample(800, 125), sample(1100, 90)]]
  ])
  const [line] = ratioLines([ratio], samples, new Map())
  // Medians 900 / 1000; rounds 0.90 1.25 0.64; best 1000 / 1100; CPU medians 100 / 110, best 90 / 100.
  t.equal(line, 'ratio d kind h2 / fastify h2 = 0.90 (rounds: 0.90 1.25 0.64; best rounds: 0.91; ' +
    'by server CPU per request: 0.91, best 0.90, target ≥ 0.95)')
})

test('a failed round (NaN) counts in no median and no best', async t => {
  const failed: Sample = { rps: Number.NaN, p99: Number.NaN, requests: 0, failures: 1, cpuUs: Number.NaN }
  const samples = new Map([
    ['kind', [sample(1000, 100), failed]],
    ['fastify', [sample(1000, 100), sample(2000, 50)]]
  ])
  const [line] = ratioLines([ratio], samples, new Map())
  t.match(line, /^ratio d kind h2 \/ fastify h2 = 0\.67 \(rounds: 1\.00 –; best rounds: 0\.50; by server CPU per request: 0\.75, best 0\.50/)
})

test('a ratio whose row was skipped says why', async t => {
  const [line] = ratioLines([ratio], new Map(), new Map([['fastify', 'h2load missing']]))
  t.equal(line, 'ratio d kind h2 / fastify h2: skipped (h2load missing)')
})

test('flags: defaults, --no-pin, and a bad value named', async t => {
  const defaults = benchFlags([])
  t.same({ rounds: defaults.rounds, warmup: defaults.warmup, duration: defaults.duration, pin: defaults.pin }, { rounds: 3, warmup: 5, duration: 5, pin: true })
  t.equal(benchFlags(['--no-pin']).pin, false)
  t.same([...benchFlags(['--only=d,E']).only], ['d', 'e'])
  t.throws(() => benchFlags(['--only=z']), /--only takes groups among a,b,c,d,e,f,g, got z/)
  t.throws(() => benchFlags(['--rounds', '0']), /rounds/)
})

test('pinning off leaves command lines alone', async t => {
  t.equal(pinTo(false), 'off (--no-pin)')
  t.same(asServer('node', ['x.js']), ['node', ['x.js']])
  t.same(asLoad('wrk', ['-c', '50']), ['wrk', ['-c', '50']])
})
