import type {HttpMethod} from './transport.js'

import {PlatformApiError} from './errors.js'
import {NetworkError} from './transport.js'

/**
 * Trouble that says nothing about the request itself and may be gone on the next try: no answer (refused, dropped,
 * timed out), 429 and 5xx. A TLS certificate that is not accepted (transport.ts's TlsCertificateError) and a proxy that
 * cannot be reached (network-route.ts's proxyFailure) are not NetworkErrors: they fail at once.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof NetworkError) return true
  return error instanceof PlatformApiError && (error.status === 429 || error.status >= 500)
}

/** A 429 was refused before anything was done, so even a create may be sent again without checking. */
function wasRefusedUnprocessed(error: unknown): boolean {
  return error instanceof PlatformApiError && error.status === 429
}

/**
 * Methods sent again on their own after a transient failure. A POST or DELETE whose answer was lost may have been
 * carried out: a create is resent only after a check that it created nothing, a delete never (the caller checks).
 */
const RESENDABLE_METHODS: ReadonlySet<HttpMethod> = new Set(['GET', 'PATCH'])

export interface RetryPolicy {
  /** The first backoff delay, and the shortest of any delay; it doubles on each retry up to `maxBackoffMs`. */
  readonly initialBackoffMs: number
  readonly maxBackoffMs: number
  /** A Retry-After longer than this is not waited for: the request fails at once, saying when to try again. */
  readonly maxRetryAfterMs: number
}

/** The longest Retry-After a command waits for before failing; `wait` waits as long as its --timeout allows. */
const MAX_RETRY_AFTER_MS = 60_000

/** One-off commands retry briefly: a person or a script is waiting for the answer. */
const ONE_OFF_RETRY: RetryPolicy = {initialBackoffMs: 500, maxBackoffMs: 4000, maxRetryAfterMs: MAX_RETRY_AFTER_MS}

/** How many times a one-off request is sent at most. */
export const ONE_OFF_ATTEMPTS = 3

/**
 * How long to wait before retry number `retry` (0-based) after `error`, or undefined when it must not be retried:
 * not transient, or the server asks for a longer wait than the policy allows. The server's Retry-After wins, but
 * never goes below the policy's first backoff: `Retry-After: 0` or a date in the past would otherwise be a flood.
 */
export function retryDelayMs(error: unknown, retry: number, policy: RetryPolicy): number | undefined {
  if (!isTransient(error)) return undefined
  if (error instanceof PlatformApiError && error.retryAfterMs !== undefined) {
    if (error.retryAfterMs > policy.maxRetryAfterMs) return undefined
    return Math.max(policy.initialBackoffMs, error.retryAfterMs)
  }

  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** retry)
}

export interface RetryOptions<T> {
  readonly attempts: number
  /**
   * For a request that is not resendable: looks, after a transient failure, for what the lost request would have
   * done. A result ends the retries with it; undefined means nothing happened, and the request is sent again.
   */
  readonly checkBeforeResend?: (error: unknown) => Promise<T | undefined>
  readonly method: HttpMethod
  readonly onRetry?: (error: unknown, delayMs: number) => void
  readonly policy?: RetryPolicy
  readonly sleep: (ms: number) => Promise<void>
}

/** Runs a request, trying again after transient errors as the policy and the method allow. */
export async function withRetries<T>(run: () => Promise<T>, options: RetryOptions<T>): Promise<T> {
  const policy = options.policy ?? ONE_OFF_RETRY
  const resendable = RESENDABLE_METHODS.has(options.method)
  for (let attempt = 1; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      const delayMs = retryDelayMs(error, attempt - 1, policy)
      const mayResend = resendable || wasRefusedUnprocessed(error) || options.checkBeforeResend !== undefined
      if (attempt >= options.attempts || delayMs === undefined || !mayResend) throw error
      options.onRetry?.(error, delayMs)
      await options.sleep(delayMs)
      if (!resendable && !wasRefusedUnprocessed(error)) {
        const done = await options.checkBeforeResend!(error)
        if (done !== undefined) return done
      }
    }
  }
}
