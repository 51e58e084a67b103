import type {ConnectionTarget, VpnConnection} from '../api/types.js'
import type {CommandContext} from './context.js'

import {inputErrors, NOTHING_SENT, OperationError} from '../errors.js'
import {GATEWAY_FORMAT_NAMES, GATEWAY_FORMATS, type GatewayFormatName} from '../gateway/formats.js'
import {formatNextSteps, octalMode, printedFiles} from '../gateway/next-steps.js'
import {FILE_MODES, namesAtHeroku, planGateway} from '../gateway/plan.js'
import {existingFiles, outputDirProblem, refuseToOverwrite, writeFiles} from '../gateway/write-files.js'
import {checkLocalIp} from '../rules/network.js'
import {connectionCommand, replaceFailedAdvice} from '../ui/command-lines.js'
import {formatTunnelConfiguration} from '../ui/render.js'
import {requireConnection} from './lookups.js'
import {failedSentence} from './polling.js'
import {connectionName, spaceName} from './target.js'

export type ConfigFormat = 'json' | 'table' | GatewayFormatName
export const CONFIG_FORMATS: readonly ConfigFormat[] = ['table', 'json', ...GATEWAY_FORMAT_NAMES]

export interface ConfigOptions extends ConnectionTarget {
  readonly force?: boolean
  readonly format: ConfigFormat
  /** The VPN host's own address for the gateway formats; the connection's public IP when absent. */
  readonly localIp?: string
  /** Write the gateway files there instead of printing them. */
  readonly outputDir?: string
}

/** Gateway configuration needs both tunnels' addresses and keys, which exist once the connection is active. */
function requireTunnels(connection: VpnConnection, target: ConnectionTarget): void {
  if (connection.status === 'active' && (connection.tunnels ?? []).length > 0) return
  if (connection.status === 'failed') {
    throw new OperationError(
      `VPN connection ${target.name} in space ${target.space} failed, so it has no tunnels to configure.`,
      [replaceFailedAdvice(target)],
    )
  }

  if (connection.status === 'deprovisioning') {
    throw new OperationError(
      `VPN connection ${target.name} in space ${target.space} is being destroyed, so it has no tunnels to configure.`,
    )
  }

  throw new OperationError(
    `VPN connection ${target.name} in space ${target.space} is not ready (status: ${connection.status ?? 'unknown'}), so it has no tunnels to configure yet.`,
    [`Wait for it with \`${connectionCommand('wait', target.name, target.space)}\`, then run this again.`],
  )
}

function isGatewayFormat(format: ConfigFormat): format is GatewayFormatName {
  return Object.hasOwn(GATEWAY_FORMATS, format)
}

/** Flag combinations that cannot work, in words; checked before any request. */
function checkFlags(options: ConfigOptions): string[] {
  const gatewayOnly = [
    ...(options.localIp === undefined ? [] : ['--local-ip']),
    ...(options.outputDir === undefined ? [] : ['--output-dir']),
    ...(options.force ? ['--force'] : []),
  ]
  if (!isGatewayFormat(options.format)) {
    if (gatewayOnly.length === 0) return []
    const formats = new Intl.ListFormat('en', {type: 'conjunction'}).format(
      GATEWAY_FORMAT_NAMES.map((format) => `--format ${format}`),
    )
    return [
      `${gatewayOnly.join(', ')} ${gatewayOnly.length === 1 ? 'applies' : 'apply'} to ${formats} only, not to --format ${options.format}`,
    ]
  }

  const problems: string[] = []
  if (options.force && options.outputDir === undefined)
    problems.push('--force applies to files written with --output-dir: give --output-dir DIR too')
  if (options.outputDir?.trim() === '')
    problems.push('--output-dir is empty: give the directory to write the files into')
  const localIpProblem = options.localIp === undefined ? undefined : checkLocalIp(options.localIp)
  if (localIpProblem) problems.push(localIpProblem)
  return problems
}

export function configOptions(
  args: {name?: string},
  flags: {
    force?: boolean
    format: ConfigFormat
    json?: boolean
    'local-ip'?: string
    name?: string
    'output-dir'?: string
    space: string
  },
): ConfigOptions {
  const options: ConfigOptions = {
    force: flags.force === true,
    format: flags.json ? 'json' : flags.format,
    localIp: flags['local-ip'],
    name: connectionName(args.name, flags.name),
    outputDir: flags['output-dir'],
    space: spaceName(flags.space),
  }
  const problems = checkFlags(options)
  if (problems.length > 0) throw inputErrors(problems, NOTHING_SENT)
  return options
}

async function writeGatewayConfig(
  format: GatewayFormatName,
  options: ConfigOptions,
  context: CommandContext,
): Promise<void> {
  const {build, fileNames} = GATEWAY_FORMATS[format]
  const dir = options.outputDir
  const dirProblem = dir === undefined ? undefined : await outputDirProblem('--output-dir', dir, context.user)
  if (dirProblem !== undefined) throw inputErrors([dirProblem], NOTHING_SENT)
  if (dir !== undefined && !options.force) {
    const existing = await existingFiles(dir, fileNames)
    if (existing.length > 0) throw refuseToOverwrite(existing, NOTHING_SENT)
  }

  const connection = await requireConnection(context.api, options)
  requireTunnels(connection, options)
  // the names as the API spells them, so the same connection always yields the same files, however it was asked for
  const space = await context.api.getSpace(options.space)
  const names = namesAtHeroku(connection, space, options)
  const plan = planGateway({connection, localIp: options.localIp?.trim(), names, target: options})
  const gateway = build(plan)
  const {terminal} = context
  if (dir === undefined) {
    terminal.out(printedFiles(gateway.files))
    terminal.info(formatNextSteps(plan, gateway, options))
    return
  }

  const files = gateway.files.map((file) => ({...file, mode: FILE_MODES[file.kind]}))
  const written = await writeFiles(dir, files, {force: options.force ?? false})
  const lines = gateway.files.map((file, index) => {
    const mode = `mode ${octalMode(file)}${file.kind === 'keys' ? ', holds the pre-shared keys' : ''}`
    return `Wrote ${written[index]} (${mode}), for ${file.destination}`
  })
  terminal.out(lines.join('\n'))
  terminal.info(formatNextSteps(plan, gateway, options, written))
}

export async function runConfig(options: ConfigOptions, context: CommandContext): Promise<void> {
  if (isGatewayFormat(options.format)) {
    await writeGatewayConfig(options.format, options, context)
    return
  }

  const connection = await requireConnection(context.api, options)
  if (options.format === 'json') {
    context.terminal.json(connection)
    return
  }

  // the keys of a failed connection are shown as the Heroku CLI shows them, for scripts that read them
  if (connection.status === 'failed' && (connection.tunnels ?? []).length > 0) {
    context.terminal.warn(
      `${failedSentence(options, connection.status_message)} Its tunnels will not come up. ${replaceFailedAdvice(options)}`,
    )
  } else {
    requireTunnels(connection, options)
  }

  context.terminal.outRendered(formatTunnelConfiguration(options.space, connection, context.terminal.styleOut))
}
