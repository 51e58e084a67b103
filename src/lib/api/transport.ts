import type {IncomingHttpHeaders} from 'node:http'

import {NOTHING_SENT_TO_UNTRUSTED_SERVER, OperationError} from '../errors.js'
import {type NetworkRoute, ProxyAuthenticationError, proxyFailure} from './network-route.js'

export type HttpMethod = 'DELETE' | 'GET' | 'PATCH' | 'POST'

export interface HttpRequest {
  readonly body?: unknown
  readonly method: HttpMethod
  readonly path: string
  /** The caller's deadline for the answer; the transport gives up at REQUEST_TIMEOUT_MS at the latest. */
  readonly timeoutMs?: number
}

export interface HttpResponse {
  readonly headers: IncomingHttpHeaders
  readonly status: number
  /** The body as text: all of it, or its first MAX_ANSWER_BYTES when `tooLarge`. */
  readonly text: string
  /** The body went on past MAX_ANSWER_BYTES, and the rest of it was not read. */
  readonly tooLarge?: boolean
}

export type Transport = (request: HttpRequest) => Promise<HttpResponse>

/** One request, from sending to the last byte of the answer, gives up after this long (a caller's deadline may be shorter). */
const REQUEST_TIMEOUT_MS = 30_000

/** Far more than any answer of the endpoints used (a connection is about 1 KB): a larger body is not read further. */
export const MAX_ANSWER_BYTES = 1024 * 1024

/** The request got no HTTP answer: refused, dropped, timed out, or the name did not resolve. */
export class NetworkError extends OperationError {
  constructor(
    readonly code: string,
    readonly url: string,
    detail: string,
  ) {
    super(`Could not reach the Heroku API at ${url}: ${detail}`)
  }
}

/**
 * Node's codes for a server certificate that was not accepted (OpenSSL's X509_V_ERR_* as
 * https://nodejs.org/api/tls.html lists them, and the host name check): the one classification of TLS errors.
 */
const TLS_CERTIFICATE_CODES: ReadonlySet<string> = new Set([
  'CERT_CHAIN_TOO_LONG',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CRL_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_SIGNATURE_FAILURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'HOSTNAME_MISMATCH',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_GET_CRL',
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
    super(`The TLS certificate of ${url} was not accepted: ${detail} (${code}). ${NOTHING_SENT_TO_UNTRUSTED_SERVER}`)
  }
}

export interface TransportOptions {
  readonly baseUrl: string
  readonly debug?: (line: string) => void
  /** The proxy and certificate authorities to use, resolved on the first request. */
  readonly route?: () => Promise<NetworkRoute>
  /** Resolved on the first request, so bad input is reported before credentials are looked up. */
  readonly token: () => Promise<string>
  readonly userAgent: string
}

/**
 * A JSON-over-HTTP transport on node:http(s), which loads in a few milliseconds and keeps start-up light. It hands the
 * answer on as text, for the client to decode.
 */
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
    const timeoutMs = Math.min(REQUEST_TIMEOUT_MS, request.timeoutMs ?? REQUEST_TIMEOUT_MS)
    const started = Date.now()
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false
      const fail = (code: string, detail: string, error?: NodeJS.ErrnoException) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        options.debug?.(`${request.method} ${path} failed after ${Date.now() - started} ms: ${code}`)
        if (TLS_CERTIFICATE_CODES.has(code)) reject(new TlsCertificateError(code, base.origin, detail))
        else reject((error && proxyFailure(error, route)) ?? new NetworkError(code, base.origin, detail))
      }

      const target = {hostname: base.hostname, method: request.method, path, port: base.port, protocol: base.protocol}
      const req = send({...target, agent: route?.agent, ca: route?.ca, headers}, (res) => {
        const status = res.statusCode ?? 0
        const finish = (outcome: Error | Omit<HttpResponse, 'headers' | 'status'>) => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          const requestId = res.headers['request-id'] ?? '-'
          options.debug?.(
            `${request.method} ${path} -> ${status} in ${Date.now() - started} ms (request id ${requestId})`,
          )
          if (outcome instanceof Error) reject(outcome)
          else resolve({...outcome, headers: res.headers, status})
        }

        const chunks: Buffer[] = []
        let size = 0
        const stopReading = () => {
          finish({text: Buffer.concat(chunks).toString('utf8'), tooLarge: true})
          req.destroy()
        }

        // the proxy's own answer, whether to a CONNECT (https-proxy-agent hands it on) or to an absolute-form request
        if (status === 407 && route?.proxy) {
          finish(new ProxyAuthenticationError(route.proxy))
          req.destroy()
          return
        }

        if (Number(res.headers['content-length']) > MAX_ANSWER_BYTES) {
          stopReading()
          return
        }

        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > MAX_ANSWER_BYTES) stopReading()
          else chunks.push(chunk)
        })
        res.on('close', () => {
          if (!res.complete) fail('ECONNRESET', 'the connection was dropped before the answer was complete')
        })
        res.on('end', () => finish({text: Buffer.concat(chunks).toString('utf8')}))
      })
      // the whole exchange, not only silence: a server that trickles its answer is cut off too
      const timer = setTimeout(
        () => {
          req.destroy(Object.assign(new Error(`no complete answer within ${formatMs(timeoutMs)}`), {code: 'ETIMEDOUT'}))
        },
        Math.max(1, timeoutMs),
      )
      req.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? 'ECONNRESET', error.message, error))
      req.end(payload)
    })
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`
}
