// Builds the page's client (client/*.ts and its CSS with uPlot's) into dist/client, which @fastify/static serves.
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const common = { absWorkingDir: root, bundle: true, minify: true, sourcemap: true, logLevel: 'warning', legalComments: 'none' }

await Promise.all([
  build({ ...common, entryPoints: ['client/main.ts'], outfile: 'dist/client/app.js', format: 'esm', target: ['es2022', 'chrome109', 'firefox115', 'safari16'] }),
  build({ ...common, entryPoints: ['client/style.css'], outfile: 'dist/client/app.css' })
])
