// Builds the page's client (client/*.ts and its CSS with uPlot's) into dist/client, which @fastify/static serves,
// with a .gz and a .br beside each file that @fastify/static sends to clients that accept them (preCompressed).
import { build } from 'esbuild'
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'

const root = fileURLToPath(new URL('..', import.meta.url))
const common = { absWorkingDir: root, bundle: true, minify: true, sourcemap: true, logLevel: 'warning', legalComments: 'none' }

await Promise.all([
  build({ ...common, entryPoints: ['client/main.ts'], outfile: 'dist/client/app.js', format: 'esm', target: ['es2022', 'chrome109', 'firefox115', 'safari16'] }),
  build({ ...common, entryPoints: ['client/style.css'], outfile: 'dist/client/app.css' })
])

const outputs = ['dist/client/app.js', 'dist/client/app.css']
await Promise.all(outputs.map(async file => {
  const bytes = await readFile(root + file)
  await Promise.all([
    promisify(gzip)(bytes, { level: 9 }).then(out => writeFile(root + file + '.gz', out)),
    promisify(brotliCompress)(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } })
      .then(out => writeFile(root + file + '.br', out))
  ])
}))
