import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { KINDS_ERR_CLIENT_NOT_BUILT } from './errors.js'

/** The built client (scripts/build-client.mjs) and the URLs the page links, with their content hash. */
export interface ClientAssets {
  root: string
  script: string
  style: string
}

/** Built beside the server code; the path holds from src/ (tests, tsx) and from dist/. */
const root = fileURLToPath(new URL('../dist/client/', import.meta.url))

export async function clientAssets (): Promise<ClientAssets> {
  return {
    root,
    script: `/static/app.js?v=${await hashOf('app.js')}`,
    style: `/static/app.css?v=${await hashOf('app.css')}`
  }
}

async function hashOf (file: string): Promise<string> {
  let bytes: Buffer
  try {
    bytes = await readFile(root + file)
  } catch (err) {
    throw new KINDS_ERR_CLIENT_NOT_BUILT((err as Error).message)
  }
  return createHash('sha256').update(bytes).digest('hex').slice(0, 12)
}
