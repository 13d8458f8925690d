import { isDeepStrictEqual } from 'node:util'

/** What every server must answer to GET /service. */
export const expected = { key: '/service', value: 42 }

/** Fetches /service once and throws unless it is a 200 with the expected JSON body. */
export async function checkAnswer (name: string, url: string): Promise<void> {
  const response = await fetch(url)
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  const type = response.headers.get('content-type') ?? ''
  if (response.status !== 200 || !type.startsWith('application/json') || !isDeepStrictEqual(body, expected)) {
    throw new Error(`${name} answered ${response.status} (${type}) ${JSON.stringify(text)}, expected 200 (application/json) ${JSON.stringify(expected)}`)
  }
}
