// Builds what is out of date, and nothing else: the packages and the demo with `tsc -b`
// (incremental), the page client with esbuild only when a file it is made of is newer.
// Runs with node alone, so `pnpm start`, `npm start` and a plain `node` all work.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = name => join(root, 'node_modules', '.bin', name)

function run (command, args, cwd = root) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

function newest (dir) {
  let time = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    time = Math.max(time, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
  }
  return time
}

function mtime (path) {
  try {
    return statSync(path).mtimeMs
  } catch {
    return 0
  }
}

run(bin('tsc'), ['-b'])

const ui = join(root, 'packages', 'snippets-ui')
const built = Math.min(mtime(join(ui, 'dist', 'client', 'app.js')), mtime(join(ui, 'dist', 'client', 'app.css')))
const sources = Math.max(newest(join(ui, 'client')), mtime(join(ui, 'scripts', 'build-client.mjs')), mtime(join(ui, 'package.json')))
if (built === 0 || sources > built) run(process.execPath, [join(ui, 'scripts', 'build-client.mjs')], ui)
