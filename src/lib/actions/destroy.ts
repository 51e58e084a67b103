import type {VpnConnection} from '../api-types.js'
import type {CommandContext, ConnectionTarget} from '../context.js'
import type {Terminal} from '../terminal.js'
import type {WaitOptions} from '../wait.js'

import {connectionCommand} from '../command-lines.js'
import {InputError} from '../errors.js'
import {waitUntilGone} from './wait.js'

export interface DestroyOptions extends ConnectionTarget {
  readonly confirm?: string
  readonly json: boolean
  /** Set by --wait: block until the connection is gone. */
  readonly wait?: Omit<WaitOptions, 'tunnelsUp'>
}

const NOTHING_DESTROYED = 'Nothing was destroyed.'

/** Destroying is confirmed by the name: typed at a terminal, or given as --confirm anywhere else. */
export async function confirmDestroy(options: DestroyOptions, terminal: Terminal): Promise<void> {
  if (options.confirm !== undefined) {
    if (options.confirm === options.name) return
    throw new InputError(`--confirm "${options.confirm}" does not match the connection name "${options.name}". ${NOTHING_DESTROYED}`)
  }

  if (!terminal.interactive) {
    throw new InputError(
      `Destroying VPN connection ${options.name} needs confirmation, and there is no terminal to ask at: pass --confirm ${options.name}. ${NOTHING_DESTROYED}`,
      [connectionCommand('destroy', options.name, options.space, '--confirm', options.name)],
    )
  }

  terminal.info(
    `${terminal.styleErr('red', 'Warning:')} this destroys VPN connection ${options.name} in space ${options.space}: both tunnels go down and its pre-shared keys are gone for good.`,
  )
  const answer = (await terminal.prompt(`To proceed, type ${options.name}: `)).trim()
  if (answer !== options.name) {
    throw new InputError(`"${answer}" does not match the connection name "${options.name}". ${NOTHING_DESTROYED}`)
  }
}

export async function destroyConnection(options: DestroyOptions, context: CommandContext): Promise<VpnConnection> {
  await confirmDestroy(options, context.terminal)
  const destroyed = await context.api.deleteVpnConnection(options.space, options.name)
  const destroying = `Destroying VPN connection ${options.name} in space ${options.space}: its tunnels are being torn down.`
  if (options.wait) {
    context.terminal.info(destroying)
    await waitUntilGone(options, options.wait, context)
  }

  if (options.json) context.terminal.json(destroyed)
  else context.terminal.out(options.wait ? `Destroyed VPN connection ${options.name} in space ${options.space}.` : destroying)
  return destroyed
}
