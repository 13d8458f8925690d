import { KINDS_ERR_STATUS } from './errors.js'

const kStatus = Symbol('kinds.status')

/** Per-response overrides a handler can give with `status()`. */
export interface StatusOptions {
  /** Content type of this response instead of the endpoint's MIME. */
  mime?: string
  /** `cache-control: max-age` of this response (seconds) instead of the endpoint's. */
  maxAge?: number
}

/** A status with an optional body, as the original's `return 500, 'Not a good request'`. */
export interface StatusResponse {
  readonly [kStatus]: true
  readonly code: number
  readonly body: unknown
  readonly mime: string | undefined
  readonly maxAge: number | undefined
}

/**
 * Answer with status `code` and `body` (string, bytes, or an object sent as JSON).
 * `options` override the endpoint's MIME and max-age for this response only.
 */
export function status (code: number, body?: unknown, options: StatusOptions = {}): StatusResponse {
  if (!isStatusCode(code)) throw new KINDS_ERR_STATUS(String(code))
  return { [kStatus]: true, code, body, mime: options.mime, maxAge: options.maxAge }
}

export function isStatusResponse (value: unknown): value is StatusResponse {
  return typeof value === 'object' && value !== null && kStatus in value
}

export function isStatusCode (code: unknown): code is number {
  return Number.isInteger(code) && (code as number) >= 100 && (code as number) <= 599
}
