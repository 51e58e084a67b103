import type {IncomingHttpHeaders} from 'node:http'

import {OperationError} from './errors.js'

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

/** One request, from sending to the last byte of the answer, gives up after this long (a caller's deadline may be shorter). */
export const REQUEST_TIMEOUT_MS = 30_000

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

/** Node's codes for a server certificate that was not accepted. */
const TLS_CERTIFICATE_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
])

/** The server's TLS certificate was not accepted: trying again cannot help, so it is not a NetworkError. */
export class TlsCertificateError extends OperationError {
  constructor(
    readonly code: string,
    readonly url: string,
    detail: string,
  ) {
    super(`The TLS certificate of ${url} was not accepted: ${detail} (${code}). Nothing was sent.`, [
      'Check HEROKU_HOST. If a proxy of your network re-signs TLS traffic, point NODE_EXTRA_CA_CERTS at its CA certificate file.',
    ])
  }
}

export interface TransportOptions {
  readonly baseUrl: string
  /** Resolved on the first request, so bad input is reported before credentials are looked up. */
  readonly token: () => Promise<string>
  readonly userAgent: string
  readonly debug?: (line: string) => void
}

/** A JSON-over-HTTP transport on node:http(s): it loads in a few milliseconds, which keeps start-up light. */
export function createTransport(options: TransportOptions): Transport {
  const base = new URL(options.baseUrl)
  return async (request) => {
    // Joined as text: resolving through URL would turn an encoded `..` segment (%2E%2E) back into a parent step.
    const path = base.pathname.replace(/\/$/, '') + request.path
    const payload = request.body === undefined ? undefined : JSON.stringify(request.body)
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
    const timeoutMs = request.timeoutMs ?? REQUEST_TIMEOUT_MS
    const started = Date.now()
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false
      let timer: NodeJS.Timeout | undefined
      const fail = (code: string, detail: string) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        options.debug?.(`${request.method} ${path} failed after ${Date.now() - started} ms: ${code}`)
        reject(TLS_CERTIFICATE_CODES.has(code) ? new TlsCertificateError(code, base.origin, detail) : new NetworkError(code, base.origin, detail))
      }

      const req = send({headers, hostname: base.hostname, method: request.method, path, port: base.port, protocol: base.protocol}, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('close', () => {
          if (!res.complete) fail('ECONNRESET', 'the connection was dropped before the answer was complete')
        })
        res.on('end', () => {
          settled = true
          clearTimeout(timer)
          const requestId = res.headers['request-id'] ?? '-'
          options.debug?.(`${request.method} ${path} -> ${res.statusCode} in ${Date.now() - started} ms (request id ${requestId})`)
          resolve({body: parseJson(Buffer.concat(chunks).toString('utf8')), headers: res.headers, status: res.statusCode ?? 0})
        })
      })
      // the whole exchange, not only silence: a server that trickles its answer is cut off too
      timer = setTimeout(() => {
        req.destroy(Object.assign(new Error(`no complete answer within ${formatMs(timeoutMs)}`), {code: 'ETIMEDOUT'}))
      }, Math.max(1, timeoutMs))
      req.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? 'ECONNRESET', error.message))
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
