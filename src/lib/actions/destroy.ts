import type {ConnectionTarget, VpnConnection} from '../api/types.js'
import type {Terminal} from '../ui/terminal.js'
import type {CommandContext} from './context.js'

import {findVpnConnection} from '../api/client.js'
import {isTransient} from '../api/retry.js'
import {InputError, NOTHING_DESTROYED, shortened} from '../errors.js'
import {connectionCommand} from '../ui/command-lines.js'
import {answeredConnection} from './accepted.js'
import {connectionNotFound, isNotFound, requireConnection} from './lookups.js'
import {connectionName, spaceName} from './target.js'
import {pollTiming, type WaitTiming, waitUntilGone} from './wait.js'

export interface DestroyOptions extends ConnectionTarget {
  readonly confirm?: string
  readonly json: boolean
  /** Set by --wait: block until the connection is gone, polling with this timing. */
  readonly waitUntilGone?: WaitTiming
}

export function destroyOptions(
  args: {name?: string},
  flags: {
    confirm?: string
    interval?: string
    json?: boolean
    name?: string
    space: string
    timeout?: string
    wait?: boolean
  },
): DestroyOptions {
  const name = connectionName(args.name, flags.name)
  const waitUntilGone = flags.wait ? pollTiming(flags) : undefined
  return {confirm: flags.confirm, json: flags.json === true, name, space: spaceName(flags.space), waitUntilGone}
}

/**
 * Destroying is confirmed by the name: given as --confirm, or typed at a terminal. What can be checked without the
 * API is checked before any request; true when a prompt is still needed.
 */
function needsPrompt(options: DestroyOptions, terminal: Terminal): boolean {
  if (options.confirm !== undefined) {
    if (options.confirm === options.name) return false
    throw new InputError(
      `--confirm "${shortened(options.confirm)}" does not match the connection name "${options.name}". ${NOTHING_DESTROYED}`,
    )
  }

  if (!terminal.interactive) {
    throw new InputError(
      `Destroying VPN connection ${options.name} needs confirmation, and there is no terminal to ask at: pass --confirm ${options.name}. ${NOTHING_DESTROYED}`,
      [connectionCommand('destroy', options.name, options.space, '--confirm', options.name)],
    )
  }

  return true
}

async function askToConfirm(options: DestroyOptions, terminal: Terminal): Promise<void> {
  terminal.warn(
    `this destroys VPN connection ${options.name} in space ${options.space}: both tunnels go down and its pre-shared keys are gone for good.`,
  )
  const answer = await terminal.prompt(`To proceed, type ${options.name}: `)
  if (answer === undefined) {
    // Ctrl-D: the prompt's line was never ended
    terminal.info('')
    throw new InputError(`The destroy was cancelled: input ended before a name was typed. ${NOTHING_DESTROYED}`)
  }

  if (answer.trim() !== options.name) {
    throw new InputError(
      `"${shortened(answer.trim())}" does not match the connection name "${options.name}". ${NOTHING_DESTROYED}`,
    )
  }
}

/**
 * After a DELETE whose answer was lost, what the connection's state says happened: being torn down or gone means
 * the delete went through. Undefined when it did not, or when that cannot be told.
 */
async function deleteWentThrough(
  options: DestroyOptions,
  before: VpnConnection,
  context: CommandContext,
): Promise<undefined | VpnConnection> {
  context.terminal.info('The destroy got no clear answer; checking whether it went through.')
  // undefined: gone; null: the check failed too, which tells nothing
  const connection = await findVpnConnection(context.api, options.space, options.name).catch(() => null)
  if (connection === undefined) return before
  return connection?.status === 'deprovisioning' ? connection : undefined
}

/** Says the connection is being destroyed; with --wait, first waits until it is gone and says so. */
async function reportDestroying(
  options: DestroyOptions,
  context: CommandContext,
  connection: VpnConnection,
): Promise<void> {
  const destroying = `Destroying VPN connection ${options.name} in space ${options.space}: its tunnels are being torn down.`
  if (options.waitUntilGone) {
    context.terminal.info(destroying)
    await waitUntilGone(options, options.waitUntilGone, context)
  }

  if (options.json) context.terminal.json(connection)
  else
    context.terminal.out(
      options.waitUntilGone ? `Destroyed VPN connection ${options.name} in space ${options.space}.` : destroying,
    )
}

export async function runDestroy(options: DestroyOptions, context: CommandContext): Promise<VpnConnection> {
  const prompt = needsPrompt(options, context.terminal)
  const current = await requireConnection(context.api, options)
  if (current.status === 'deprovisioning') {
    context.terminal.info(`VPN connection ${options.name} in space ${options.space} is already being destroyed.`)
    await reportDestroying(options, context, current)
    return current
  }

  if (prompt) await askToConfirm(options, context.terminal)
  let destroyed: VpnConnection
  try {
    const changed = await context.api.deleteVpnConnection(options.space, options.name)
    // accepted without naming it: the connection as it is now, or as it was when it is gone already
    destroyed =
      answeredConnection(changed) ??
      (await findVpnConnection(context.api, options.space, options.name).catch(() => undefined)) ??
      current
  } catch (error) {
    if (isNotFound(error)) throw connectionNotFound(options)
    const outcome = isTransient(error) ? await deleteWentThrough(options, current, context) : undefined
    if (outcome === undefined) throw error
    destroyed = outcome
  }

  await reportDestroying(options, context, destroyed)
  return destroyed
}
