import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify'
import type { RequestHeaders } from './request-headers.js'
import type { EndpointStream } from './stream.js'
import type { EndpointWebSocket } from './ws-stream.js'
import type { StatusResponse } from './status.js'

/** Anything `onServe` may return; see the README's return-value table. */
export type ServeResult =
  | Record<string, unknown>
  | unknown[]
  | string
  | Uint8Array
  | number
  | StatusResponse
  | false
  | null
  | undefined
  | void

/** Handles one HTTP request: `h` are the request headers, `stream` the body and the response. */
// `boolean` rather than `false` so that an async handler ending in `return false` type-checks
// (TypeScript widens it); a returned `true` is answered 500 and logged.
export type ServeHandler = (h: RequestHeaders, stream: EndpointStream) => ServeResult | boolean | Promise<ServeResult | boolean>

/** Handles one WebSocket: returns (or resolves) when done, and the socket is closed with 1000. */
export type WebSocketHandler = (h: RequestHeaders, ws: EndpointWebSocket) => unknown

/** Data served as it is to GET and HEAD: a string, bytes, or an object sent as JSON. */
export type StaticData = string | Uint8Array | Record<string, unknown> | unknown[]

/** `[mime, onServe, onWebsocket, maxAge, anyOrigin]`, the original's triplet and two optional slots. */
export type EndpointTriplet =
  | readonly [mime: string, onServe: ServeHandler | StaticData]
  | readonly [mime: string, onServe: ServeHandler | StaticData, onWebsocket: WebSocketHandler | null | undefined]
  | readonly [mime: string, onServe: ServeHandler | StaticData, onWebsocket: WebSocketHandler | null | undefined, maxAge: number | null | undefined]
  | readonly [mime: string, onServe: ServeHandler | StaticData, onWebsocket: WebSocketHandler | null | undefined, maxAge: number | null | undefined, anyOrigin: boolean | null | undefined]

/** The object form of an endpoint. */
export interface EndpointObject {
  mime: string
  serve?: ServeHandler | StaticData | null
  websocket?: WebSocketHandler | null
  /** Seconds; a 200 gets `cache-control: max-age=N`. */
  maxAge?: number | null
  /** A 200 gets `access-control-allow-origin: *`. */
  anyOrigin?: boolean | null
}

export type Endpoint = EndpointTriplet | EndpointObject

/** A table of endpoints by path: `{ '/service': ['application/json', handler] }`. */
export type EndpointTable = Record<string, Endpoint>

/** An endpoint after validation. */
export interface NormalizedEndpoint {
  path: string
  mime: string
  serve: ServeHandler | null
  data: Buffer | null
  websocket: WebSocketHandler | null
  maxAge: number | null
  anyOrigin: boolean
}

export type { FastifyBaseLogger, FastifyReply, FastifyRequest }
