import type {SpaceInfo, VpnConnection} from '../api-types.js'
import type {CommandContext} from '../context.js'

import {connectionCommand, suggestCommand} from '../command-lines.js'
import {InputError, inputErrors, NOTHING_CREATED, NOTHING_SENT} from '../errors.js'
import {checkConnectionName} from '../names.js'
import {checkCidrsAgainstSpace, checkGatewayIp, checkRoutableCidrs} from '../network.js'
import {PlatformApiError} from '../platform-api-error.js'
import {findSpace, GENERATION_WITHOUT_VPN, spaceBlocks, spaceGeneration} from '../space.js'

export interface ConnectOptions {
  readonly space: string
  readonly name: string
  readonly ip: string
  readonly cidrs: string
  readonly json: boolean
}

function refuseSpace(spaceName: string, space: SpaceInfo): void {
  if (spaceGeneration(space) === GENERATION_WITHOUT_VPN) {
    throw new InputError(
      `Space ${spaceName} is a Fir-generation space: VPN connections are not available for Fir spaces yet. ${NOTHING_CREATED}`,
    )
  }

  if (space.state !== undefined && space.state !== 'allocated') {
    throw new InputError(`Space ${spaceName} is ${space.state}, not allocated: a VPN connection needs an allocated space. ${NOTHING_CREATED}`, [
      space.state === 'allocating' ? `Wait for it with \`${suggestCommand('spaces:wait', '--space', spaceName)}\`, then connect again.` : 'Use another space.',
    ])
  }
}

async function refuseSecondConnection(spaceName: string, context: CommandContext): Promise<void> {
  const [existing] = await context.api.listVpnConnections(spaceName)
  if (existing === undefined) return
  const name = existing.name ?? existing.id ?? 'unnamed'
  throw new InputError(
    `Space ${spaceName} already has VPN connection "${name}" (${existing.status ?? 'unknown status'}): only one VPN connection per space is supported. ${NOTHING_CREATED}`,
    [
      `Change its networks with \`${connectionCommand('update', name, spaceName, '--cidrs', 'CIDRS')}\`,`,
      `or replace it: \`${connectionCommand('destroy', name, spaceName, '--confirm', name)}\`, then connect again.`,
    ],
  )
}

/**
 * Sends the create. After a transient failure the create may or may not have been carried out, so the connection
 * is looked up before the create is sent again: a create is never repeated blindly.
 */
function createConnection(options: ConnectOptions, cidrs: readonly string[], context: CommandContext): Promise<VpnConnection> {
  const body = {name: options.name, public_ip: options.ip, routable_cidrs: cidrs}
  return context.api.createVpnConnection(options.space, body, {
    async checkBeforeResend() {
      context.terminal.info('Checking whether the create went through before sending it again.')
      try {
        return await context.api.getVpnConnection(options.space, options.name)
      } catch (error) {
        if (error instanceof PlatformApiError && error.status === 404) return undefined
        throw error
      }
    },
  })
}

export async function connect(options: ConnectOptions, context: CommandContext): Promise<VpnConnection> {
  const cidrCheck = checkRoutableCidrs(options.cidrs)
  const localProblems = [checkConnectionName(options.name), checkGatewayIp(options.ip), ...cidrCheck.problems].filter(
    (problem): problem is string => problem !== undefined,
  )
  if (localProblems.length > 0) throw inputErrors(localProblems, NOTHING_SENT)

  const space = await findSpace(context.api, options.space, NOTHING_CREATED)
  refuseSpace(options.space, space)
  await refuseSecondConnection(options.space, context)
  const spaceCheck = checkCidrsAgainstSpace(cidrCheck.cidrs, spaceBlocks(options.space, space))
  if (spaceCheck.problems.length > 0) throw inputErrors(spaceCheck.problems, NOTHING_CREATED)
  for (const warning of spaceCheck.warnings) context.terminal.warn(warning)

  const connection = await createConnection({...options, ip: options.ip.trim()}, cidrCheck.cidrs, context)
  const {terminal} = context
  if (options.json) {
    terminal.json(connection)
  } else {
    terminal.out(`Created VPN connection ${connection.name ?? options.name} in space ${options.space} (status: ${connection.status ?? 'unknown'}).`)
  }

  terminal.info(
    `Setting up the gateway takes a few minutes. Wait for it with \`${connectionCommand('wait', options.name, options.space)}\`.`,
  )
  return connection
}
