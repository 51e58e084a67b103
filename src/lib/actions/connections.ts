import type {CommandContext} from './context.js'

import {isNotFound, spaceNotFound} from './lookups.js'
import {formatConnectionList} from '../ui/render.js'

export interface ConnectionsOptions {
  readonly space: string
  readonly json: boolean
}

export async function listConnections(options: ConnectionsOptions, context: CommandContext): Promise<void> {
  const connections = await context.api.listVpnConnections(options.space).catch((error: unknown) => {
    throw isNotFound(error) ? spaceNotFound(options.space) : error
  })
  const {terminal} = context
  if (options.json) terminal.json(connections)
  else terminal.outRendered(formatConnectionList(options.space, connections, terminal.styleOut))
}
