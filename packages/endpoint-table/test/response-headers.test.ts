import { test } from 'tap'
import { headers, ResponseHeaders } from '../src/index.ts'

test('keeps appended headers in order with lower-case names, :status included', async t => {
  const hsend = headers.new()
  t.ok(hsend instanceof ResponseHeaders)
  hsend.append(':status', '200').append('Content-Type', 'binary/octet-stream').append('x-n', 5).append('x-n', 6)
  t.same([...hsend], [[':status', '200'], ['content-type', 'binary/octet-stream'], ['x-n', '5'], ['x-n', '6']])
  t.equal(hsend.get(':status'), '200')
  t.equal(hsend.get('CONTENT-TYPE'), 'binary/octet-stream')
  t.equal(hsend.get('x-n'), '5', 'get gives the first value')
  t.equal(hsend.get('x-none'), undefined)
})

test('replaces every value of a name with upsert and removes them with delete', async t => {
  const hsend = headers.new().append('x-a', '1').append('x-a', '2').append('x-b', 'b')
  hsend.upsert('X-A', '3')
  t.same([...hsend], [['x-b', 'b'], ['x-a', '3']])
  t.equal(hsend.delete('x-b'), true)
  t.equal(hsend.delete('x-b'), false, 'nothing left to delete')
  t.same([...hsend], [['x-a', '3']])
})

test('refuses a header name that is not a token', async t => {
  for (const name of ['', 'bad name', 'x:y', 'crlf\r\n', ':']) {
    t.throws(() => headers.new().append(name, 'v'), TypeError, JSON.stringify(name))
  }
})

test('refuses a value holding CR, LF or NUL, so no header can be injected', async t => {
  for (const value of ['a\r\nx-evil: 1', 'a\nb', 'a\0b']) {
    t.throws(() => headers.new().append('x-ok', value), TypeError, JSON.stringify(value))
  }
})
