// Runs every check of the workspace and ends with the line CI reads: "N passed, N failed".
// Type check and lint count as one test each; tap's tests count one per top-level test.
import { spawn } from 'node:child_process'
import { mkdirSync, createWriteStream } from 'node:fs'

const files = process.argv.slice(2)
let passed = 0
let failed = 0
let skipped = 0

function run (command, args, { onLine } = {}) {
  return new Promise(resolve => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env: process.env })
    let rest = ''
    child.stdout.on('data', chunk => {
      process.stdout.write(chunk)
      if (!onLine) return
      const lines = (rest + chunk).split('\n')
      rest = lines.pop()
      for (const line of lines) onLine(line)
    })
    child.on('close', code => {
      if (onLine && rest) onLine(rest)
      resolve(code)
    })
  })
}

async function step (name, command, args) {
  console.log(`\n# ${name}: ${command} ${args.join(' ')}`)
  const code = await run(command, args)
  if (code === 0) passed++
  else {
    failed++
    console.log(`# ${name} failed (exit ${code})`)
  }
}

const bin = name => `node_modules/.bin/${name}`

if (files.length === 0) {
  await step('type check', bin('tsc'), ['-b'])
  await step('type check of tests', bin('tsc'), ['-p', 'tsconfig.test.json'])
  await step('type check of the page client', bin('tsc'), ['-p', 'packages/snippets-ui/client/tsconfig.json'])
  await step('lint', bin('eslint'), ['.'])
}

console.log('\n# tests')
// tsx runs the TypeScript tests (.taprc); tap's own ts-node loader is told to leave every file alone.
process.env.TS_NODE_IGNORE = '.*'
mkdirSync('.tap', { recursive: true })
const report = createWriteStream('.tap/report.tap')
let fileSubtests = 0
const code = await run(bin('tap'), ['--reporter=tap', ...files], {
  onLine (line) {
    report.write(line + '\n')
    const sub = /^ {4}(not )?ok \d+ - .*?(# (SKIP|TODO)\b.*)?$/.exec(line)
    if (sub) {
      fileSubtests++
      if (sub[2]) skipped++
      else if (sub[1]) failed++
      else passed++
      return
    }
    const top = /^(not )?ok \d+ - /.exec(line)
    if (top) {
      // A test file that failed before any of its tests reported (a crash, a syntax error).
      if (top[1] && fileSubtests === 0) failed++
      fileSubtests = 0
    }
  }
})
report.end()
if (code !== 0 && failed === 0) failed++

console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exitCode = failed === 0 ? 0 : 1
