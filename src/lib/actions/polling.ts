import type {VpnConnection} from '../api/types.js'

import {retryDelayMs, type RetryPolicy} from '../api/retry.js'
import {OperationError, WaitTimeoutError} from '../errors.js'
import {formatDuration} from '../rules/duration.js'
import {replaceFailedAdvice} from '../ui/command-lines.js'
import {describeState} from '../ui/render.js'

export const DEFAULT_WAIT_INTERVAL_SECONDS = 10
/** The Platform API allows about 4,500 requests an hour: one poll a second stays under it (3,600). */
export const MIN_WAIT_INTERVAL_SECONDS = 1
export const DEFAULT_WAIT_TIMEOUT_SECONDS = 20 * 60

export interface PollTiming {
  readonly intervalMs: number
  readonly timeoutMs: number
}

export interface PollOptions extends PollTiming {
  /** Also wait until every tunnel reports UP, for pipelines that have just configured their side. */
  readonly tunnelsUp: boolean
}

export type WaitEvent =
  | {readonly changed: boolean; readonly connection: VpnConnection; readonly elapsedMs: number; readonly kind: 'poll'}
  | {readonly delayMs: number; readonly elapsedMs: number; readonly error: unknown; readonly kind: 'retry'}

export interface WaitDependencies {
  readonly now: () => number
  readonly onEvent: (event: WaitEvent) => void
  /** One GET of the connection, answered within `timeoutMs` (the transport may give up sooner) or failed; undefined when a wait until gone sees a 404. */
  readonly poll: (timeoutMs: number) => Promise<undefined | VpnConnection>
  readonly sleep: (ms: number) => Promise<void>
}

export interface WaitSubject {
  readonly name: string
  readonly space: string
}

export function isReady(connection: VpnConnection, tunnelsUp: boolean): boolean {
  if (connection.status !== 'active') return false
  if (!tunnelsUp) return true
  const tunnels = connection.tunnels ?? []
  return tunnels.length > 0 && tunnels.every((tunnel) => tunnel.status === 'UP')
}

/** "VPN connection office in space acme failed: <the API's status message>." */
export function failedSentence(subject: WaitSubject, statusMessage: string | undefined): string {
  const reason = (statusMessage || 'the API gave no reason').replace(/\.$/, '')
  return `VPN connection ${subject.name} in space ${subject.space} failed: ${reason}.`
}

/** The connection ended `failed`: waiting longer cannot help, and it is replaced, not mended. */
export class ConnectionFailedError extends OperationError {
  constructor(subject: WaitSubject, statusMessage: string | undefined) {
    super(failedSentence(subject, statusMessage), [replaceFailedAdvice(subject)])
  }
}

/**
 * What a wait waits for. Given each answer (undefined: the API no longer has the connection), `reached` returns the
 * wait's result once the goal is reached, undefined to poll again, or throws when the goal can no longer be reached.
 */
export interface WaitGoal<T> {
  /** How the timeout names the goal: "to be destroyed", or nothing for the usual wait. */
  readonly describedAs: string
  readonly reached: (connection: undefined | VpnConnection) => undefined | {readonly result: T}
}

/** Ready: `active`, and with `tunnelsUp` every tunnel UP; `failed` or `deprovisioning` end the wait at once. */
export function readyGoal(subject: WaitSubject, tunnelsUp: boolean): WaitGoal<VpnConnection> {
  return {
    describedAs: '',
    reached(connection) {
      if (connection === undefined) {
        throw new OperationError(`VPN connection ${subject.name} in space ${subject.space} no longer exists.`)
      }

      if (connection.status === 'failed') throw new ConnectionFailedError(subject, connection.status_message)
      if (connection.status === 'deprovisioning') {
        throw new OperationError(
          `VPN connection ${subject.name} in space ${subject.space} is being destroyed; it will not become ready.`,
        )
      }

      return isReady(connection, tunnelsUp) ? {result: connection} : undefined
    },
  }
}

/** Gone: the connection's GET answers 404; `deprovisioning` is progress here, not an end. */
export const GONE_GOAL: WaitGoal<void> = {
  describedAs: ' to be destroyed',
  reached: (connection) => (connection === undefined ? {result: undefined} : undefined),
}

/** What a change of state is: the status or a tunnel's status, not how they are shown. */
function stateKey(connection: VpnConnection): string {
  return JSON.stringify([connection.status, connection.tunnels?.map((tunnel) => tunnel.status)])
}

/**
 * Polls the connection until `goal` is reached. Transient trouble (5xx, 429, dropped or timed-out requests) is retried
 * with backoff inside the deadline; a goal that can no longer be reached ends the wait at once; the deadline ends it on
 * time (WaitTimeoutError), with no request after the last poll.
 */
export async function pollConnection<T>(
  subject: WaitSubject,
  timing: PollTiming,
  goal: WaitGoal<T>,
  deps: WaitDependencies,
): Promise<T> {
  const started = deps.now()
  const deadline = started + timing.timeoutMs
  // Backoff starts at the minimum interval whatever --interval is, and the deadline bounds any Retry-After.
  const policy: RetryPolicy = {
    initialBackoffMs: MIN_WAIT_INTERVAL_SECONDS * 1000,
    maxBackoffMs: Math.max(MIN_WAIT_INTERVAL_SECONDS * 1000, timing.intervalMs),
    maxRetryAfterMs: Number.POSITIVE_INFINITY,
  }
  let last: undefined | VpnConnection
  let lastProblem: unknown
  let retries = 0

  const timedOut = () => {
    const seen = last === undefined ? 'No answer was received.' : `Last status: ${describeState(last)}.`
    const problem =
      lastProblem instanceof Error
        ? ` The last request failed: ${lastProblem.message.split('\n')[0]!.replace(/\.?$/, '.')}`
        : ''
    return new WaitTimeoutError(
      `Timed out after ${formatDuration(timing.timeoutMs)} waiting for VPN connection ${subject.name} in space ${subject.space}${goal.describedAs}. ${seen}${problem}`,
      ['Run the same command again to keep waiting, or give a longer --timeout.'],
    )
  }

  const sleepUntilDeadlineOr = async (delayMs: number) => {
    if (deps.now() + delayMs >= deadline) {
      await deps.sleep(Math.max(0, deadline - deps.now()))
      throw timedOut()
    }

    await deps.sleep(delayMs)
  }

  for (;;) {
    const remaining = deadline - deps.now()
    if (remaining <= 0) throw timedOut()
    let connection: undefined | VpnConnection
    try {
      connection = await deps.poll(remaining)
    } catch (error) {
      const delayMs = retryDelayMs(error, retries++, policy)
      if (delayMs === undefined) throw error
      lastProblem = error
      // no "trying again in ..." when the deadline comes first
      if (deps.now() + delayMs < deadline)
        deps.onEvent({delayMs, elapsedMs: deps.now() - started, error, kind: 'retry'})
      await sleepUntilDeadlineOr(delayMs)
      continue
    }

    retries = 0
    lastProblem = undefined
    if (connection !== undefined) {
      const changed = last === undefined || stateKey(connection) !== stateKey(last)
      deps.onEvent({changed, connection, elapsedMs: deps.now() - started, kind: 'poll'})
      last = connection
    }

    const reached = goal.reached(connection)
    if (reached !== undefined) return reached.result
    await sleepUntilDeadlineOr(timing.intervalMs)
  }
}
