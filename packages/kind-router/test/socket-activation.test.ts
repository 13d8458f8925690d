import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test, type Test } from 'tap'
import { request } from 'undici'
import type { ListenerInfo } from '../src/index.ts'
import { inheritedSockets } from '../src/systemd.ts'
import { freePort, settles, startChild, which, type Child } from './support/child.ts'

const activatedChild = fileURLToPath(new URL('fixtures/activated-child.ts', import.meta.url))

function tempDir (t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'kinds-activation-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function getService (port: number): Promise<{ status: number, body: { kind?: string, pid?: number } }> {
  const { statusCode, body } = await request(`http://127.0.0.1:${port}/service`)
  return { status: statusCode, body: await body.json() as { kind?: string, pid?: number } }
}

interface Ready { pid: number, listenPid: string | null, list: ListenerInfo[] }

/** The child said it is ready, answers on `port`, reports fd 3, and exits by itself on SIGTERM. */
async function checkChild (t: Test, child: Child, port: number, answer: Promise<{ status: number, body: { kind?: string, pid?: number } }>): Promise<Ready> {
  const ready = await child.line(l => l.event === 'ready', 'the child ready') as unknown as Ready
  t.same(await settles(answer, 'the answer on the inherited socket'), { status: 200, body: { kind: 'myservice', pid: ready.pid } }, 'the child answers on the socket it was handed')
  t.match(ready.list, [{ kind: 'myservice', fd: 3, address: '127.0.0.1', port }], 'once config resolves, net.list() reports the inherited fd 3 and its port')
  t.equal(ready.list.length, 1, 'the child listens on nothing else')
  t.same(await getService(port), { status: 200, body: { kind: 'myservice', pid: ready.pid } }, 'a second connection is served too')

  child.process.kill('SIGTERM')
  await child.line(l => l.event === 'closed', 'app.close() in the child')
  t.same(await settles(child.exited, 'the child exiting by itself'), { code: 0, signal: null }, 'the child closes the adopted socket and exits by itself')
  return ready
}

const tool = which('systemd-socket-activate')
const noTool = tool === undefined ? 'systemd-socket-activate is not installed (Debian package systemd); the fd 3 test below covers the protocol' : false

test('serves myservice on a socket handed over by systemd-socket-activate, named by --fdname', { skip: noTool }, async t => {
  const port = await freePort()
  const child = startChild(t, tool!, [
    '--listen', `127.0.0.1:${port}`, '--fdname', 'myservice',
    '-E', 'CERT_DIR', '-E', 'PATH', '-E', 'HOME',
    process.execPath, '--import', 'tsx', activatedChild
  ], { CERT_DIR: tempDir(t) })
  // The tool execs node on the first connection: that connection waits in the socket's backlog.
  await settles(new Promise<void>(resolve => {
    const check = (): void => { if (child.stderr().includes('Listening on')) resolve() }
    child.process.stderr!.on('data', check)
    check()
  }), 'systemd-socket-activate listening')
  const answer = getService(port)
  const ready = await checkChild(t, child, port, answer)
  t.equal(ready.listenPid, String(ready.pid), 'LISTEN_PID is the child\'s own pid')
  t.equal(ready.pid, child.process.pid, 'the tool exec\'d node in its own process')
})

test('serves myservice on a listening socket passed as fd 3 with LISTEN_FDS and LISTEN_FDNAMES', async t => {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { if (server.listening) server.close() })
  const { port } = server.address() as AddressInfo
  // The listening socket's descriptor becomes the child's fd 3 (spawn dups it); a net.Server
  // itself is refused as a stdio entry. LISTEN_PID is left out: it would have to be the
  // child's pid, unknown before spawn.
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd
  const child = startChild(t, process.execPath, ['--import', 'tsx', activatedChild], {
    CERT_DIR: tempDir(t),
    LISTEN_FDS: '1',
    LISTEN_FDNAMES: 'myservice',
    LISTEN_PID: undefined
  }, [fd])
  // The child has its own copy; the parent's must not take connections away from it.
  await new Promise(resolve => server.close(resolve))
  const ready = await checkChild(t, child, port, getService(port))
  t.equal(ready.listenPid, null, 'no LISTEN_PID was given')
})

test('sockets are adopted only when LISTEN_PID, if given, is this process', async t => {
  t.same(inheritedSockets({ LISTEN_FDS: '2', LISTEN_FDNAMES: 'myservice:webmgmt' }, 42), [{ fd: 3, name: 'myservice' }, { fd: 4, name: 'webmgmt' }], 'no LISTEN_PID: the fds are ours')
  t.same(inheritedSockets({ LISTEN_FDS: '1', LISTEN_FDNAMES: 'myservice', LISTEN_PID: '42' }, 42), [{ fd: 3, name: 'myservice' }], 'LISTEN_PID is this process')
  t.same(inheritedSockets({ LISTEN_FDS: '1', LISTEN_FDNAMES: 'myservice', LISTEN_PID: '41' }, 42), [], 'LISTEN_PID is another process: meant for a parent, not us')
  t.same(inheritedSockets({}, 42), [], 'no LISTEN_FDS: nothing')
})
