import type {ConnectionTarget, VpnConnection} from '../api/types.js'
import type {CommandContext} from './context.js'

import {ACCEPTED, type Changed, findVpnConnection} from '../api/client.js'
import {connectionCommand} from '../ui/command-lines.js'

/** The connection a change answered with, when it names one: an empty body or `{}` says nothing about it. */
export function answeredConnection(changed: Changed): undefined | VpnConnection {
  return changed !== ACCEPTED && (changed.id ?? changed.name) !== undefined ? changed : undefined
}

/**
 * The connection after a change Heroku accepted: its answer, or, when the answer did not name it, the connection read
 * back. A change the server accepted is never reported as failed: when the read fails too, a warning says so and how
 * to check, and the result is undefined.
 */
export async function connectionAfterChange(
  context: CommandContext,
  target: ConnectionTarget,
  changed: Changed,
  change: string,
): Promise<undefined | VpnConnection> {
  const answered = answeredConnection(changed)
  if (answered !== undefined) return answered
  let problem: string
  try {
    const connection = await findVpnConnection(context.api, target.space, target.name)
    if (connection !== undefined) return connection
    problem = 'the API says it does not exist'
  } catch (error) {
    problem = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.replace(/\.$/, '')
  }

  context.terminal.warn(
    `Heroku accepted the ${change} without returning the connection, and reading it back failed: ${problem}. Check it with \`${connectionCommand('info', target.name, target.space)}\`.`,
  )
  return undefined
}
