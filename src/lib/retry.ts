import {formatDuration} from './duration.js'
import {NetworkError} from './http.js'
import {PlatformApiError} from './platform-api-error.js'

/** Trouble that says nothing about the request itself and may be gone on the next try. */
export function isTransient(error: unknown): boolean {
  if (error instanceof NetworkError) return true
  return error instanceof PlatformApiError && (error.status === 429 || error.status >= 500)
}

export interface BackoffPolicy {
  readonly initialMs: number
  readonly maxMs: number
}

/** One-off commands retry briefly: a person or a script is waiting for the answer. */
export const ONE_OFF_BACKOFF: BackoffPolicy = {initialMs: 500, maxMs: 4000}

/** A one-off command fails instead of honouring a Retry-After longer than this. */
export const ONE_OFF_MAX_RETRY_AFTER_MS = 15_000

/** How long to wait before try number `retry` (0-based) after a transient error; the server's Retry-After wins. */
export function retryDelayMs(error: unknown, retry: number, policy: BackoffPolicy): number {
  if (error instanceof PlatformApiError && error.retryAfterMs !== undefined) return error.retryAfterMs
  return Math.min(policy.maxMs, policy.initialMs * 2 ** retry)
}

export interface RetryOptions {
  readonly attempts: number
  readonly policy?: BackoffPolicy
  readonly sleep: (ms: number) => Promise<void>
  readonly onRetry?: (error: unknown, delayMs: number) => void
}

/** Runs an idempotent request, trying again after transient errors. */
export async function withRetries<T>(run: () => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = options.policy ?? ONE_OFF_BACKOFF
  for (let attempt = 1; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      if (attempt >= options.attempts || !isTransient(error)) throw error
      const delayMs = retryDelayMs(error, attempt - 1, policy)
      if (delayMs > ONE_OFF_MAX_RETRY_AFTER_MS) throw error
      options.onRetry?.(error, delayMs)
      await options.sleep(delayMs)
    }
  }
}

/** The warning shown before a retry: the first line of what went wrong, and when the next try comes. */
export function retryNotice(error: unknown, delayMs: number): string {
  const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.replace(/\.$/, '')
  return `${reason}; trying again in ${formatDuration(delayMs)}.`
}
