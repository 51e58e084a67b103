import type {HttpRequest, HttpResponse} from './transport.js'

import {OperationError, shortened} from '../errors.js'
import {MAX_ANSWER_BYTES} from './transport.js'

/** What a failed request was about, so the message can name it. */
export interface RequestSubject {
  readonly connection?: string
  readonly space: string
  /** True when the token came from HEROKU_API_KEY, so a 401 can say which credential to fix. */
  readonly tokenFromEnv: boolean
}

/** The Platform API answered with an error status. */
export class PlatformApiError extends OperationError {
  readonly apiId: string | undefined
  readonly retryAfterMs: number | undefined
  readonly status: number
  readonly subject: RequestSubject

  constructor(message: string, facts: Pick<PlatformApiError, 'apiId' | 'retryAfterMs' | 'status' | 'subject'>) {
    super(message)
    this.apiId = facts.apiId
    this.retryAfterMs = facts.retryAfterMs
    this.status = facts.status
    this.subject = facts.subject
  }
}

/** The API's "not found": a 404 answer, however the path named what was missing. */
export function isApiNotFound(error: unknown): error is PlatformApiError {
  return error instanceof PlatformApiError && error.status === 404
}

/** The request was answered with success, but not with what the endpoint answers; trying again will not mend it. */
export class BadAnswerError extends OperationError {
  constructor(
    readonly request: Pick<HttpRequest, 'method' | 'path'>,
    readonly subject: RequestSubject,
    message: string,
  ) {
    super(message)
  }
}

/** The body as JSON, or undefined when it is not JSON. */
export function parseJson(text: string): undefined | {readonly value: unknown} {
  try {
    return {value: JSON.parse(text)}
  } catch {
    return undefined
  }
}

/**
 * A body that is not the JSON expected, in a few words and never whole (an HTML page can be kilobytes, and retries
 * repeat it): its content type, its length and its first line.
 */
export function describeBody(response: HttpResponse): string {
  const type = String(response.headers['content-type'] ?? 'no content type')
    .split(';')[0]!
    .trim()
  const size = response.tooLarge
    ? `more than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB`
    : `${Buffer.byteLength(response.text).toLocaleString('en-US')} bytes`
  const firstLine = response.text
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line !== '')
  return firstLine === undefined
    ? `${type}, ${size}`
    : `${type}, ${size}, first line ${JSON.stringify(shortened(firstLine))}`
}

interface ApiErrorBody {
  readonly id?: unknown
  readonly message?: unknown
}

export function platformApiError(response: HttpResponse, subject: RequestSubject): PlatformApiError {
  const parsed = parseJson(response.text)?.value
  const body = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as ApiErrorBody
  const apiMessage =
    typeof body.message === 'string'
      ? body.message
      : response.text.trim() === ''
        ? `HTTP ${response.status}`
        : `an answer that is not the API's JSON (${describeBody(response)})`
  const retryAfterMs = parseRetryAfter(response.headers['retry-after'])
  const requestId = response.headers['request-id']
  const apiId = typeof body.id === 'string' ? body.id : undefined
  const make = (message: string) =>
    new PlatformApiError(message, {apiId, retryAfterMs, status: response.status, subject})

  switch (response.status) {
    case 401: {
      return make(`Heroku did not accept the credentials (${apiMessage}).`)
    }

    case 404: {
      if (subject.connection !== undefined) {
        return make(`VPN connection "${subject.connection}" was not found in space "${subject.space}" (${apiMessage}).`)
      }

      return make(`Space "${subject.space}" was not found (${apiMessage}).`)
    }

    case 429: {
      return make(`The Heroku API is limiting the rate of requests (${apiMessage}).`)
    }

    default: {
      const reference = requestId === undefined ? '' : ` [request id ${String(requestId)}]`
      const prefix = response.status >= 500 ? `The Heroku API failed with HTTP ${response.status}: ` : ''
      return make(`${prefix}${apiMessage}${reference}`)
    }
  }
}

/** Retry-After as milliseconds, from either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value
  if (text === undefined || text.trim() === '') return undefined
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000
  const date = Date.parse(text)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}
