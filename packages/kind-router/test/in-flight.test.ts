import Fastify, { type FastifyReply } from 'fastify'
import { test } from 'tap'
import { InFlight, kInFlightSlot } from '../src/deadlines.ts'

/** Replies of a real Fastify instance decorated as a kind's is, answered or not. */
async function replies (count: number): Promise<Array<FastifyReply & { [kInFlightSlot]: number }>> {
  const app = Fastify()
  InFlight.decorate(app)
  const seen: FastifyReply[] = []
  app.get('/', (_request, reply) => {
    seen.push(reply)
    return 'ok'
  })
  for (let i = 0; i < count; i++) await app.inject('/')
  await app.close()
  return seen as Array<FastifyReply & { [kInFlightSlot]: number }>
}

test('entering and leaving keeps the count, reuses places and calls whenIdle once empty', async t => {
  const [a, b, c] = await replies(3)
  const inFlight = new InFlight(1000)
  let idle = 0
  inFlight.whenIdle(() => idle++)
  t.equal(a![kInFlightSlot], -1, 'a reply starts outside')
  inFlight.enter(a!)
  inFlight.enter(b!)
  inFlight.enter(a!)
  t.equal(inFlight.size, 2, 'entering twice counts once')
  inFlight.leave(a!)
  inFlight.leave(a!)
  t.equal(inFlight.size, 1, 'leaving twice counts once')
  t.equal(a![kInFlightSlot], -1, 'a reply that left has no place')
  inFlight.enter(c!)
  t.equal(c![kInFlightSlot], 0, 'the freed place is taken again')
  t.equal(idle, 0, 'not idle while requests are in')
  inFlight.leave(b!)
  inFlight.leave(c!)
  t.equal(inFlight.size, 0)
  t.equal(idle, 1, 'whenIdle is called when the last one leaves')
})

test('a reply of another InFlight is not taken out by this one', async t => {
  const [a] = await replies(1)
  const one = new InFlight(1000)
  const other = new InFlight(1000)
  one.enter(a!)
  other.leave(a!)
  t.equal(one.size, 1, 'still in the first')
  other.enter(a!)
  t.equal(other.size, 0, 'a reply is in one InFlight at a time')
  one.leave(a!)
  t.equal(one.size, 0)
})

test('the sweep drops replies already sent', async t => {
  const answered = await replies(40)
  const inFlight = new InFlight(60_000)
  for (const reply of answered) inFlight.enter(reply)
  t.equal(inFlight.size, 40)
  inFlight.sweep(new Map())
  t.equal(inFlight.size, 0, 'every sent reply left')
  for (const reply of answered) t.equal(reply[kInFlightSlot], -1)
})
