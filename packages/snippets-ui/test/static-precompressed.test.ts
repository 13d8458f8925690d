import { test } from 'tap'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { request } from 'undici'
import { build } from './support/app.ts'

async function fetchAsset (url: string, acceptEncoding?: string): Promise<{ encoding: unknown, vary: unknown, body: Buffer }> {
  const res = await request(url, { headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } })
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode}`)
  return { encoding: res.headers['content-encoding'], vary: res.headers.vary, body: Buffer.from(await res.body.arrayBuffer()) }
}

for (const file of ['app.js', 'app.css']) {
  test(`serves ${file} precompressed: br or gzip as the browser accepts, built with the client`, async t => {
    const { webmgmt } = await build(t)
    const url = `${webmgmt}/static/${file}`
    const plain = await fetchAsset(url)
    t.equal(plain.encoding, undefined, 'no accept-encoding: the file as is')
    const br = await fetchAsset(url, 'gzip, deflate, br')
    t.equal(br.encoding, 'br', 'a browser gets brotli')
    t.match(br.vary, /accept-encoding/i)
    t.same(brotliDecompressSync(br.body), plain.body, 'the same bytes once decoded')
    t.ok(br.body.length < plain.body.length / 2, `${br.body.length} bytes instead of ${plain.body.length}`)
    const gz = await fetchAsset(url, 'gzip')
    t.equal(gz.encoding, 'gzip', 'gzip only: gzip')
    t.same(gunzipSync(gz.body), plain.body, 'the same bytes once decoded')
  })
}
