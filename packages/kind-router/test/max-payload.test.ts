import { once } from 'node:events'
import { test } from 'tap'
import WebSocket from 'ws'
import type { EndpointTable } from '@kinds/endpoint-table'
import { build, serve, settles } from './support/sockets.ts'

const endpoints: EndpointTable = {
  '/echo': ['text/plain', 'use a WebSocket', async (_h, ws) => {
    for await (const message of ws) await ws.send(message)
  }]
}

/** Sends one message of `size` bytes; resolves to the echo's size or the close code. */
async function exchange (port: number, size: number): Promise<{ echo?: number, code?: number }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/echo`)
  ws.on('error', () => {})
  await settles(once(ws, 'open'), 'open')
  ws.send('x'.repeat(size))
  const result = await settles(new Promise<{ echo?: number, code?: number }>(resolve => {
    ws.once('message', (data: Buffer) => resolve({ echo: data.length }))
    ws.once('close', (code: number) => resolve({ code }))
  }), 'an echo or a close')
  ws.terminate()
  return result
}

test('closes a WebSocket with 1009 on a message over the kind\'s maxPayload', async t => {
  const { app } = await build(t)
  const small = await serve(app, 'small', { endpoints, maxPayload: 100 })
  const big = await serve(app, 'big', { endpoints })
  t.same(await exchange(small, 100), { echo: 100 }, 'a message at the limit is echoed')
  t.same(await exchange(small, 101), { code: 1009 }, 'one byte more: 1009')
  t.same(await exchange(big, 5000), { echo: 5000 }, 'another kind keeps the default of 1 MiB')
  t.same(await exchange(small, 10), { echo: 10 }, 'the kind keeps serving')
})
