import type {VpnConnection} from '../api-types.js'
import type {CommandContext, ConnectionTarget} from '../context.js'

import {explainNotFound} from '../not-found.js'
import {waitForConnection, type WaitOptions} from '../wait.js'
import {lineProgress, spinnerProgress} from '../wait-progress.js'
import {printConnection} from './info.js'

export interface WaitCommandOptions extends ConnectionTarget, WaitOptions {
  readonly json: boolean
}

/** Blocks until the connection is ready, then prints what `info` prints, from the last poll. */
export async function waitUntilReady(options: WaitCommandOptions, context: CommandContext): Promise<VpnConnection> {
  const {terminal} = context
  const readiness = options.tunnelsUp ? 'is active with every tunnel UP' : 'is active'
  const title = `Waiting until VPN connection ${options.name} in space ${options.space} ${readiness}`
  const progress = terminal.animated ? await spinnerProgress(terminal, title, context.now) : lineProgress(terminal, title)
  const started = context.now()
  let connection: VpnConnection
  try {
    connection = await waitForConnection(
      options,
      options,
      {
        now: context.now,
        onEvent: progress.onEvent,
        poll: (timeoutMs) => context.api.getVpnConnection(options.space, options.name, {attempts: 1, timeoutMs}),
        sleep: context.sleep,
      },
    )
  } catch (error) {
    progress.abandon()
    throw await explainNotFound(context.api, options, error)
  }

  progress.finish(connection, context.now() - started)
  printConnection(terminal, options, connection, options.json)
  return connection
}
