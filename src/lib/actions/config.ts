import type {VpnConnection} from '../api-types.js'
import type {CommandContext, ConnectionTarget} from '../context.js'

import {connectionCommand} from '../command-lines.js'
import {OperationError} from '../errors.js'
import {formatTunnelConfiguration} from '../render.js'

export const CONFIG_FORMATS = ['table', 'json'] as const
export type ConfigFormat = (typeof CONFIG_FORMATS)[number]

export interface ConfigOptions extends ConnectionTarget {
  readonly format: ConfigFormat
}

/** Gateway configuration needs both tunnels' addresses and keys, which exist once the connection is active. */
export function requireTunnels(connection: VpnConnection, target: ConnectionTarget): void {
  if (connection.status === 'active' && (connection.tunnels ?? []).length > 0) return
  throw new OperationError(
    `VPN connection ${target.name} in space ${target.space} is not ready (status: ${connection.status ?? 'unknown'}), so it has no tunnels to configure yet.`,
    [`Wait for it with \`${connectionCommand('wait', target.name, target.space)}\`, then run this again.`],
  )
}

export async function showConfig(options: ConfigOptions, context: CommandContext): Promise<void> {
  const connection = await context.api.getVpnConnection(options.space, options.name)
  if (options.format === 'json') {
    context.terminal.json(connection)
    return
  }

  requireTunnels(connection, options)
  context.terminal.out(formatTunnelConfiguration(options.space, connection, context.terminal.styleOut))
}
