import type {SpaceInfo, VpnConnection} from '../api/types.js'
import type {CommandContext} from './context.js'

import {type Changed, findVpnConnection} from '../api/client.js'
import {PlatformApiError} from '../api/errors.js'
import {InputError, inputErrors, NOTHING_CREATED, NOTHING_SENT, OperationError} from '../errors.js'
import {checkConnectionName} from '../rules/names.js'
import {checkCidrsAgainstSpace, checkGatewayIp, checkRoutableCidrs} from '../rules/network.js'
import {GENERATION_WITHOUT_VPN, spaceBlocks, spaceGeneration} from '../rules/space.js'
import {connectionCommand, replaceFailedAdvice, suggestCommand} from '../ui/command-lines.js'
import {connectionAfterChange} from './accepted.js'
import {requireSpace} from './lookups.js'
import {failedSentence} from './polling.js'
import {connectionName, spaceName} from './target.js'

export interface ConnectOptions {
  readonly cidrs: string
  /** --if-not-exists: the same connection already in the space is success, for pipelines that run twice. */
  readonly ifNotExists?: boolean
  readonly ip: string
  readonly json: boolean
  readonly name: string
  readonly space: string
}

export function connectOptions(
  args: {name?: string},
  flags: {cidrs: string; 'if-not-exists'?: boolean; ip: string; json?: boolean; name?: string; space: string},
): ConnectOptions {
  const name = connectionName(args.name, flags.name)
  return {
    cidrs: flags.cidrs,
    ifNotExists: flags['if-not-exists'] === true,
    ip: flags.ip,
    json: flags.json === true,
    name,
    space: spaceName(flags.space),
  }
}

function refuseSpace(spaceName: string, space: SpaceInfo): void {
  if (spaceGeneration(space) === GENERATION_WITHOUT_VPN) {
    throw new InputError(
      `Space ${spaceName} is a Fir-generation space: VPN connections are not available for Fir spaces yet. ${NOTHING_CREATED}`,
    )
  }

  if (space.state !== undefined && space.state !== 'allocated') {
    throw new InputError(
      `Space ${spaceName} is ${space.state}, not allocated: a VPN connection needs an allocated space. ${NOTHING_CREATED}`,
      [
        space.state === 'allocating'
          ? `Wait for it with \`${suggestCommand('spaces:wait', '--space', spaceName)}\`, then connect again.`
          : 'Use another space.',
      ],
    )
  }
}

/** What differs between the connection asked for and the one the space has, each with the command that changes it. */
function connectionDifferences(
  existing: VpnConnection,
  asked: Pick<ConnectOptions, 'ip' | 'name' | 'space'>,
  cidrs: readonly string[],
): string[] {
  const {ip, name, space} = asked
  const problems: string[] = []
  if (existing.public_ip !== ip) {
    problems.push(
      `--ip ${ip} differs from its public IP ${existing.public_ip ?? '(none)'}, which cannot be changed: destroy it and connect again (\`${connectionCommand('destroy', name, space, '--confirm', name, '--wait')}\`)`,
    )
  }

  const theirs = [...(existing.routable_cidrs ?? [])].sort()
  if (theirs.join(',') !== [...cidrs].sort().join(',')) {
    problems.push(
      `--cidrs ${cidrs.join(',')} differ from its routable CIDRs ${theirs.join(',') || '(none)'}: change them with \`${connectionCommand('update', name, space, '--cidrs', cidrs.join(','))}\``,
    )
  }

  return problems
}

/**
 * One connection per space: a second is refused, unless --if-not-exists and it is this very connection (by name or
 * id) with the same IP and CIDRs, which is then the answer.
 */
async function sameConnectionOrRefuseSecond(
  options: ConnectOptions,
  cidrs: readonly string[],
  context: CommandContext,
): Promise<undefined | VpnConnection> {
  const connections = await context.api.listVpnConnections(options.space)
  const asked = connections.find((connection) => connection.name === options.name || connection.id === options.name)
  if (asked && options.ifNotExists) {
    const name = asked.name ?? options.name
    // a failed connection never becomes ready, whatever its settings: it is replaced, not waited for or updated
    if (asked.status === 'failed') {
      const target = {name, space: options.space}
      throw new OperationError(`${failedSentence(target, asked.status_message)} ${NOTHING_CREATED}`, [
        replaceFailedAdvice(target),
      ])
    }

    const differences = connectionDifferences(asked, options, cidrs)
    if (differences.length > 0) {
      throw inputErrors(
        differences.map(
          (difference) => `VPN connection ${name} in space ${options.space} already exists, and ${difference}`,
        ),
        NOTHING_CREATED,
      )
    }

    if (asked.status === 'deprovisioning') {
      throw new OperationError(
        `VPN connection ${name} in space ${options.space} is being destroyed. ${NOTHING_CREATED}`,
        [
          `Connect again once it is gone; until then \`${suggestCommand('spaces:vpn:connections', '--space', options.space)}\` lists it.`,
        ],
      )
    }

    return asked
  }

  const existing = asked ?? connections[0]
  if (existing === undefined) return undefined
  const name = existing.name ?? existing.id ?? 'unnamed'
  throw new InputError(
    `Space ${options.space} already has VPN connection "${name}" (${existing.status ?? 'unknown status'}): only one VPN connection per space is supported. ${NOTHING_CREATED}`,
    [
      `Change its networks with \`${connectionCommand('update', name, options.space, '--cidrs', 'CIDRS')}\`,`,
      `or replace it: \`${connectionCommand('destroy', name, options.space, '--confirm', name)}\`, then connect again.`,
    ],
  )
}

/**
 * Sends the create. After a transient failure the create may or may not have been carried out, so the connection
 * is looked up before the create is sent again: a create is never repeated blindly.
 */
function createConnection(
  options: ConnectOptions,
  cidrs: readonly string[],
  context: CommandContext,
): Promise<Changed> {
  const body = {name: options.name, public_ip: options.ip, routable_cidrs: cidrs}
  return context.api.createVpnConnection(options.space, body, {
    async checkBeforeResend() {
      context.terminal.info('Checking whether the create went through before sending it again.')
      return findVpnConnection(context.api, options.space, options.name)
    },
  })
}

/**
 * With --if-not-exists, a create refused as unprocessable (422) may have lost a race with another run creating the
 * same connection: what the space has now is judged as if it had been there before. Undefined when it has nothing.
 */
async function createdMeanwhile(
  error: unknown,
  asked: ConnectOptions,
  cidrs: readonly string[],
  context: CommandContext,
): Promise<undefined | VpnConnection> {
  if (!asked.ifNotExists || !(error instanceof PlatformApiError && error.status === 422)) return undefined
  context.terminal.info('The create was refused; looking again, as another run may have just created this connection.')
  return sameConnectionOrRefuseSecond(asked, cidrs, context)
}

export async function runConnect(options: ConnectOptions, context: CommandContext): Promise<undefined | VpnConnection> {
  const cidrCheck = checkRoutableCidrs(options.cidrs)
  const localProblems = [checkConnectionName(options.name), checkGatewayIp(options.ip), ...cidrCheck.problems].filter(
    (problem): problem is string => problem !== undefined,
  )
  if (localProblems.length > 0) throw inputErrors(localProblems, NOTHING_SENT)

  const space = await requireSpace(context.api, options.space, NOTHING_CREATED)
  refuseSpace(options.space, space)
  const asked = {...options, ip: options.ip.trim()}
  const existing = await sameConnectionOrRefuseSecond(asked, cidrCheck.cidrs, context)
  if (existing) return reportExisting(existing, options, context)
  const spaceCheck = checkCidrsAgainstSpace(cidrCheck.cidrs, spaceBlocks(options.space, space))
  if (spaceCheck.problems.length > 0) throw inputErrors(spaceCheck.problems, NOTHING_CREATED)
  for (const warning of spaceCheck.warnings) context.terminal.warn(warning)

  let created: Changed
  try {
    created = await createConnection(asked, cidrCheck.cidrs, context)
  } catch (error) {
    const meanwhile = await createdMeanwhile(error, asked, cidrCheck.cidrs, context)
    if (meanwhile === undefined) throw error
    return reportExisting(meanwhile, options, context)
  }

  const connection = await connectionAfterChange(context, options, created, 'create')
  const {terminal} = context
  if (options.json) {
    terminal.json(connection ?? null)
  } else {
    terminal.out(
      `Created VPN connection ${connection?.name ?? options.name} in space ${options.space} (status: ${connection?.status ?? 'unknown'}).`,
    )
  }

  terminal.info(
    `Setting up the gateway takes a few minutes. Wait for it with \`${connectionCommand('wait', options.name, options.space)}\`.`,
  )
  return connection
}

function reportExisting(existing: VpnConnection, options: ConnectOptions, context: CommandContext): VpnConnection {
  const {terminal} = context
  const already = `VPN connection ${existing.name ?? options.name} already existed in space ${options.space} with the same public IP and routable CIDRs (status: ${existing.status ?? 'unknown'}); nothing was changed.`
  if (options.json) {
    terminal.json(existing)
    terminal.info(already)
  } else {
    terminal.out(already)
  }

  if (existing.status !== 'active')
    terminal.info(`Wait for it with \`${connectionCommand('wait', options.name, options.space)}\`.`)
  return existing
}
