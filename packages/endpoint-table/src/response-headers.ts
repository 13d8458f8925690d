/** Header values a handler can give to `stream.writeHeaders`. */
export type HeaderInput =
  | ResponseHeaders
  | Record<string, string | number | readonly string[] | undefined>
  | Iterable<readonly [string, string | number]>

/**
 * A list of response headers taking `:status`, as the original's `http.headers`:
 * `const hsend = headers.new(); hsend.append(':status', '200')`.
 */
export class ResponseHeaders implements Iterable<[string, string]> {
  readonly #list: Array<[string, string]> = []

  /** Adds a value, keeping any earlier value of the same name. */
  append (name: string, value: string | number): this {
    this.#list.push([checkName(name), checkValue(name, value)])
    return this
  }

  /** Replaces every value of `name` with `value`. */
  upsert (name: string, value: string | number): this {
    this.delete(name)
    return this.append(name, value)
  }

  get (name: string): string | undefined {
    const key = name.toLowerCase()
    return this.#list.find(([n]) => n === key)?.[1]
  }

  delete (name: string): boolean {
    const key = name.toLowerCase()
    const before = this.#list.length
    for (let i = this.#list.length - 1; i >= 0; i--) {
      if (this.#list[i]![0] === key) this.#list.splice(i, 1)
    }
    return this.#list.length !== before
  }

  [Symbol.iterator] (): IterableIterator<[string, string]> {
    return this.#list[Symbol.iterator]()
  }
}

/** `headers.new()` reads as the original's `require('http.headers').new()`. */
export const headers = {
  new: (): ResponseHeaders => new ResponseHeaders()
}

/** Splits headers into a status and a plain object for Fastify's reply. */
export function toReplyHeaders (input: HeaderInput): { status: number | undefined, fields: Record<string, string | string[]> } {
  const fields: Record<string, string | string[]> = {}
  let status: number | undefined
  const pairs: Iterable<readonly [string, unknown]> = isIterable(input)
    ? input
    : Object.entries(input).flatMap(([n, v]) => v === undefined ? [] : Array.isArray(v) ? v.map(x => [n, x] as const) : [[n, v] as const])
  for (const [rawName, rawValue] of pairs) {
    const name = checkName(rawName)
    const value = checkValue(name, rawValue)
    if (name === ':status') {
      status = Number(value)
      continue
    }
    if (name[0] === ':') continue
    const previous = fields[name]
    fields[name] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value]
  }
  return { status, fields }
}

function isIterable (input: HeaderInput): input is Iterable<readonly [string, string | number]> {
  return typeof (input as Iterable<unknown>)[Symbol.iterator] === 'function'
}

const tokenRe = /^:?[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

function checkName (name: unknown): string {
  if (typeof name !== 'string' || !tokenRe.test(name)) throw new TypeError(`Invalid header name ${JSON.stringify(name)}`)
  return name.toLowerCase()
}

function checkValue (name: string, value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new TypeError(`Header ${name}: value must be a string or a number`)
  }
  const text = String(value)
  if (/[\r\n\0]/.test(text)) throw new TypeError(`Header ${name}: value may not hold CR, LF or NUL`)
  return text
}
