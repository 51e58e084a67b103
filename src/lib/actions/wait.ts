import type {ConnectionTarget, VpnConnection} from '../api/types.js'
import type {CommandContext} from './context.js'

import {explainNotFound} from './lookups.js'
import {findVpnConnection} from '../api/client.js'
import {waitForConnection, waitForDeletion, type WaitOptions} from './polling.js'
import {lineProgress, spinnerProgress, type WaitProgress} from './wait-progress.js'
import {printConnection} from './info.js'

export interface WaitCommandOptions extends ConnectionTarget, WaitOptions {
  readonly json: boolean
}

/** Runs a wait under the progress display (a spinner at a terminal, lines elsewhere) and reports how it ended. */
async function withProgress<T extends VpnConnection | undefined>(
  title: string,
  target: ConnectionTarget,
  context: CommandContext,
  wait: (onEvent: WaitProgress['onEvent']) => Promise<T>,
): Promise<T> {
  const {terminal} = context
  const spinner = await terminal.startSpinner(title)
  const progress = spinner ? spinnerProgress(spinner, terminal, context.now) : lineProgress(terminal, title)
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
export async function waitUntilReady(options: WaitCommandOptions, context: CommandContext): Promise<VpnConnection> {
  const readiness = options.tunnelsUp ? 'is active with every tunnel UP' : 'is active'
  const connection = await withProgress(`Waiting until VPN connection ${options.name} in space ${options.space} ${readiness}`, options, context, (onEvent) =>
    waitForConnection(
      options,
      options,
      {
        now: context.now,
        onEvent,
        poll: (timeoutMs) => context.api.getVpnConnection(options.space, options.name, {attempts: 1, timeoutMs}),
        sleep: context.sleep,
      },
    ),
  )
  printConnection(context.terminal, options, connection, options.json)
  return connection
}

/** Blocks until the API no longer has the connection: what `destroy --wait` adds after the delete. */
export async function waitUntilGone(target: ConnectionTarget, timing: Omit<WaitOptions, 'tunnelsUp'>, context: CommandContext): Promise<void> {
  const poll = (timeoutMs: number) => findVpnConnection(context.api, target.space, target.name, {attempts: 1, timeoutMs})
  await withProgress(`Waiting until VPN connection ${target.name} in space ${target.space} is destroyed`, target, context, async (onEvent) => {
    await waitForDeletion(target, timing, {now: context.now, onEvent, poll, sleep: context.sleep})
    return undefined
  })
}
