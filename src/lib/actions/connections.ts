import type {CommandContext} from './context.js'

import {formatConnectionList} from '../ui/render.js'
import {isNotFound, spaceNotFound} from './lookups.js'
import {spaceName} from './target.js'

export interface ConnectionsOptions {
  readonly json: boolean
  readonly space: string
}

/** The command takes no arguments: only its flags make its options. */
export function connectionsOptions(_args: object, flags: {json?: boolean; space: string}): ConnectionsOptions {
  return {json: flags.json === true, space: spaceName(flags.space)}
}

export async function runConnections(options: ConnectionsOptions, context: CommandContext): Promise<void> {
  const connections = await context.api.listVpnConnections(options.space).catch((error: unknown) => {
    throw isNotFound(error) ? spaceNotFound(options.space) : error
  })
  const {terminal} = context
  if (options.json) terminal.json(connections)
  else terminal.outRendered(formatConnectionList(options.space, connections, terminal.styleOut))
}
