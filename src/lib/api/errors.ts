import type {HttpResponse} from './transport.js'

import {OperationError} from '../errors.js'

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

interface ApiErrorBody {
  readonly id?: string
  readonly message?: string
}

export function platformApiError(response: HttpResponse, subject: RequestSubject): PlatformApiError {
  const body = (typeof response.body === 'object' && response.body !== null ? response.body : {}) as ApiErrorBody
  const apiMessage =
    body.message ??
    (typeof response.body === 'string' && response.body.trim() !== ''
      ? response.body.trim()
      : `HTTP ${response.status}`)
  const retryAfterMs = parseRetryAfter(response.headers['retry-after'])
  const requestId = response.headers['request-id']
  const make = (message: string) =>
    new PlatformApiError(message, {apiId: body.id, retryAfterMs, status: response.status, subject})

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
