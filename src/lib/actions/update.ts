import type {ConnectionTarget, VpnConnection} from '../api/types.js'
import type {CommandContext} from './context.js'

import {InputError, inputErrors, NOTHING_CHANGED, NOTHING_SENT} from '../errors.js'
import {checkCidrsAgainstSpace, checkRoutableCidrs} from '../rules/network.js'
import {spaceBlocks} from '../rules/space.js'
import {connectionAfterChange} from './accepted.js'
import {connectionNotFound, isNotFound, requireConnection, requireSpace} from './lookups.js'
import {connectionName, spaceName} from './target.js'

export interface UpdateOptions extends ConnectionTarget {
  readonly cidrs: string
  readonly json: boolean
}

export function updateOptions(
  args: {name?: string},
  flags: {cidrs: string; json?: boolean; name?: string; space: string},
): UpdateOptions {
  const name = connectionName(args.name, flags.name)
  return {cidrs: flags.cidrs, json: flags.json === true, name, space: spaceName(flags.space)}
}

/** Replaces the connection's routable CIDRs, checked by the same rules as `connect`. */
export async function runUpdate(options: UpdateOptions, context: CommandContext): Promise<undefined | VpnConnection> {
  const cidrCheck = checkRoutableCidrs(options.cidrs)
  if (cidrCheck.problems.length > 0) throw inputErrors(cidrCheck.problems, NOTHING_SENT)
  const space = await requireSpace(context.api, options.space, NOTHING_CHANGED)
  const spaceCheck = checkCidrsAgainstSpace(cidrCheck.cidrs, spaceBlocks(options.space, space))
  if (spaceCheck.problems.length > 0) throw inputErrors(spaceCheck.problems, NOTHING_CHANGED)
  for (const warning of spaceCheck.warnings) context.terminal.warn(warning)

  const current = await requireConnection(context.api, options)
  if (current.status === 'deprovisioning') {
    throw new InputError(
      `VPN connection ${options.name} in space ${options.space} is being destroyed: its routable CIDRs cannot change. ${NOTHING_CHANGED}`,
    )
  }

  const changed = await context.api
    .updateVpnConnection(options.space, options.name, {routable_cidrs: cidrCheck.cidrs})
    .catch((error: unknown) => {
      throw isNotFound(error) ? connectionNotFound(options) : error
    })
  const updated = await connectionAfterChange(context, options, changed, 'change')
  if (options.json) {
    context.terminal.json(updated ?? null)
  } else {
    const cidrs = (updated?.routable_cidrs ?? cidrCheck.cidrs).join(', ')
    context.terminal.out(
      `Updated VPN connection ${options.name} in space ${options.space}: its routable CIDRs are now ${cidrs}.`,
    )
  }

  return updated
}
