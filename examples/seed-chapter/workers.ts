// Not in the chapter: the demo in WORKERS worker processes (`auto`: one per core) that share its
// listeners. index.ts comes here when WORKERS is set; this process then only starts and watches
// the workers, and each worker runs this file again, whose setup is index.ts itself.
import cluster from 'node:cluster'
import { fileURLToPath } from 'node:url'
import { runWorkers } from '@kinds/kind-router/cluster'

const { WORKERS } = process.env
if (cluster.isPrimary) cluster.setupPrimary({ exec: fileURLToPath(import.meta.url) })
await runWorkers(() => import('./index.js'), { workers: WORKERS === undefined || WORKERS === 'auto' ? undefined : Number(WORKERS) })
// The primary serves nothing itself: index.ts, which imported this file, must not go on.
if (cluster.isPrimary) await new Promise(() => {})
