export interface RequestLogEntry {
  readonly durationMs: number
  /** The fault applied, in a few words (`error 503`, `drop after handling`), or null. */
  readonly fault: null | string
  /** Whether the request reached its endpoint (passed the Accept and credential checks and no fault took its place). */
  readonly handled: boolean
  readonly method: string
  /** The path as sent, percent-encoded, without the query. */
  readonly path: string
  readonly requestId: string
  /** null when the connection was dropped without an answer. */
  readonly status: null | number
  /** When the request arrived (ISO 8601). */
  readonly time: string
}

/** Enough for any test or CI run; older entries make way so a long-running sandbox does not grow without end. */
const MAX_ENTRIES = 10_000

/** The API requests the sandbox received (admin requests are not logged), oldest first. */
export class RequestLog {
  private log: RequestLogEntry[] = []

  clear(): void {
    this.log = []
  }

  entries(): readonly RequestLogEntry[] {
    return [...this.log]
  }

  record(entry: RequestLogEntry): void {
    this.log.push(entry)
    if (this.log.length > MAX_ENTRIES) this.log.shift()
  }
}
