import type {IncomingHttpHeaders} from 'node:http'

import {OperationError} from './errors.js'
import {type NetworkRoute, routeFailure} from './network-route.js'

export type HttpMethod = 'DELETE' | 'GET' | 'PATCH' | 'POST'

export interface HttpRequest {
  readonly method: HttpMethod
  readonly path: string
  readonly body?: unknown
  /** Give up on an answer after this long; the caller's deadline, when it has one, is shorter. */
  readonly timeoutMs?: number
}

export interface HttpResponse {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: unknown
}

export type Transport = (request: HttpRequest) => Promise<HttpResponse>

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000

/** The request got no HTTP answer: refused, dropped, timed out, or the name did not resolve. */
export class NetworkError extends OperationError {
  constructor(
    readonly code: string,
    readonly url: string,
    detail: string,
  ) {
    super(`Could not reach the Heroku API at ${url}: ${detail}`, [
      'Check your network connection, and HEROKU_HOST if you set it.',
    ])
  }
}

export interface TransportOptions {
  readonly baseUrl: string
  /** Resolved on the first request, so bad input is reported before credentials are looked up. */
  readonly token: () => Promise<string>
  readonly userAgent: string
  readonly debug?: (line: string) => void
  /** The proxy and certificate authorities to use, resolved on the first request. */
  readonly route?: () => Promise<NetworkRoute>
}

/** A JSON-over-HTTP transport on node:http(s): it loads in a few milliseconds, which keeps start-up light. */
export function createTransport(options: TransportOptions): Transport {
  const base = new URL(options.baseUrl)
  return async (request) => {
    // Joined as text: resolving through URL would turn an encoded `..` segment (%2E%2E) back into a parent step.
    const path = base.pathname.replace(/\/$/, '') + request.path
    const payload = request.body === undefined ? undefined : JSON.stringify(request.body)
    const route = await options.route?.()
    const headers: Record<string, string> = {
      Accept: 'application/vnd.heroku+json; version=3',
      Authorization: `Bearer ${await options.token()}`,
      'User-Agent': options.userAgent,
    }
    if (payload !== undefined) {
      headers['Content-Type'] = 'application/json'
      headers['Content-Length'] = String(Buffer.byteLength(payload))
    }

    const {request: send} = base.protocol === 'http:' ? await import('node:http') : await import('node:https')
    const timeoutMs = request.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    const started = Date.now()
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false
      const fail = (code: string, detail: string, error?: NodeJS.ErrnoException) => {
        if (settled) return
        settled = true
        options.debug?.(`${request.method} ${path} failed after ${Date.now() - started} ms: ${code}`)
        reject((error && routeFailure(error, base.origin, route)) ?? new NetworkError(code, base.origin, detail))
      }

      const target = {hostname: base.hostname, method: request.method, path, port: base.port, protocol: base.protocol}
      const req = send({...target, agent: route?.agent, ca: route?.ca, headers}, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('close', () => {
          if (!res.complete) fail('ECONNRESET', 'the connection was dropped before the answer was complete')
        })
        res.on('end', () => {
          settled = true
          const requestId = res.headers['request-id'] ?? '-'
          options.debug?.(`${request.method} ${path} -> ${res.statusCode} in ${Date.now() - started} ms (request id ${requestId})`)
          resolve({body: parseJson(Buffer.concat(chunks).toString('utf8')), headers: res.headers, status: res.statusCode ?? 0})
        })
      })
      req.setTimeout(Math.max(1, timeoutMs), () => {
        req.destroy(Object.assign(new Error(`no answer within ${formatMs(timeoutMs)}`), {code: 'ETIMEDOUT'}))
      })
      req.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? 'ECONNRESET', error.message, error))
      req.end(payload)
    })
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`
}
