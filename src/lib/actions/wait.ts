import type {ConnectionTarget, VpnConnection} from '../api/types.js'
import type {CommandContext} from './context.js'

import {findVpnConnection} from '../api/client.js'
import {inputErrors, NOTHING_SENT} from '../errors.js'
import {parseSeconds} from '../rules/duration.js'
import {printConnection} from './info.js'
import {explainNotFound} from './lookups.js'
import {
  DEFAULT_WAIT_INTERVAL_SECONDS,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
  GONE_GOAL,
  MIN_WAIT_INTERVAL_SECONDS,
  pollConnection,
  type PollOptions,
  type PollTiming,
  readyGoal,
} from './polling.js'
import {connectionName, spaceName} from './target.js'
import {lineProgress, spinnerProgress, type WaitProgress} from './wait-progress.js'

export interface WaitOptions extends ConnectionTarget, PollOptions, WaitTiming {
  readonly json: boolean
}

export interface WaitTiming extends PollTiming {
  /** Said once on stderr before polling: --interval asked for polls faster than the minimum. */
  readonly intervalWarning?: string
}

/**
 * --interval and --timeout in milliseconds, or both problems at once before anything is sent. An interval below the
 * minimum (0 included, which the Heroku CLI's own wait accepts) polls at the minimum, with a warning.
 */
export function pollTiming(flags: {interval?: string; timeout?: string}): WaitTiming {
  const intervalText = flags.interval ?? String(DEFAULT_WAIT_INTERVAL_SECONDS)
  const interval = parseSeconds('--interval', intervalText, {floor: MIN_WAIT_INTERVAL_SECONDS})
  const timeout = parseSeconds('--timeout', flags.timeout ?? String(DEFAULT_WAIT_TIMEOUT_SECONDS))
  if (typeof interval === 'string' || typeof timeout === 'string') {
    const problems = [interval, timeout].filter((value): value is string => typeof value === 'string')
    throw inputErrors(problems, NOTHING_SENT)
  }

  const timing = {intervalMs: Math.max(interval, MIN_WAIT_INTERVAL_SECONDS) * 1000, timeoutMs: timeout * 1000}
  if (interval >= MIN_WAIT_INTERVAL_SECONDS) return timing
  return {
    ...timing,
    intervalWarning: `--interval ${intervalText.trim()} is below the minimum of ${MIN_WAIT_INTERVAL_SECONDS} s, so it polls every ${MIN_WAIT_INTERVAL_SECONDS} s: the Platform API allows about 4,500 requests an hour for your account, and faster polling would use them up.`,
  }
}

export function waitOptions(
  args: {name?: string},
  flags: {interval?: string; json?: boolean; name?: string; space: string; timeout?: string; 'tunnels-up'?: boolean},
): WaitOptions {
  const name = connectionName(args.name, flags.name)
  const timing = pollTiming(flags)
  return {
    ...timing,
    json: flags.json === true,
    name,
    space: spaceName(flags.space),
    tunnelsUp: flags['tunnels-up'] === true,
  }
}

interface WaitInView {
  readonly target: ConnectionTarget
  readonly timing: WaitTiming
  readonly title: string
}

/** Runs a wait under the progress display (a spinner at a terminal, lines elsewhere) and reports how it ended. */
async function withProgress<T extends undefined | VpnConnection>(
  {target, timing, title}: WaitInView,
  context: CommandContext,
  wait: (onEvent: WaitProgress['onEvent']) => Promise<T>,
): Promise<T> {
  const {terminal} = context
  if (timing.intervalWarning !== undefined) terminal.warn(timing.intervalWarning)
  const spinner = await terminal.startSpinner(title)
  const progress = spinner ? spinnerProgress(spinner, terminal, context) : lineProgress(terminal, title)
  const started = context.now()
  let result: T
  try {
    result = await wait(progress.onEvent)
  } catch (error) {
    progress.abandon()
    throw await explainNotFound(context.api, target, error)
  }

  progress.finish(result, context.now() - started)
  return result
}

/** Blocks until the connection is ready, then prints what `info` prints, from the last poll. */
export async function runWait(options: WaitOptions, context: CommandContext): Promise<VpnConnection> {
  const readiness = options.tunnelsUp ? 'is active with every tunnel UP' : 'is active'
  const connection = await withProgress(
    {
      target: options,
      timing: options,
      title: `Waiting until VPN connection ${options.name} in space ${options.space} ${readiness}`,
    },
    context,
    (onEvent) =>
      pollConnection(options, options, readyGoal(options, options.tunnelsUp), {
        now: context.now,
        onEvent,
        poll: (timeoutMs) => context.api.getVpnConnection(options.space, options.name, {attempts: 1, timeoutMs}),
        sleep: context.sleep,
      }),
  )
  printConnection(context.terminal, options, connection, options.json)
  return connection
}

/** Blocks until the API no longer has the connection: what `destroy --wait` adds after the delete. */
export async function waitUntilGone(
  target: ConnectionTarget,
  timing: WaitTiming,
  context: CommandContext,
): Promise<void> {
  const poll = (timeoutMs: number) =>
    findVpnConnection(context.api, target.space, target.name, {attempts: 1, timeoutMs})
  await withProgress(
    {target, timing, title: `Waiting until VPN connection ${target.name} in space ${target.space} is destroyed`},
    context,
    async (onEvent) => {
      await pollConnection(target, timing, GONE_GOAL, {now: context.now, onEvent, poll, sleep: context.sleep})
      return undefined
    },
  )
}
