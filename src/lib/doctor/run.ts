import type {PlatformApi} from '../api/client.js'
import type {ConnectionTarget, VpnConnection} from '../api/types.js'
import type {Terminal} from '../ui/terminal.js'

import {requireConnection} from '../actions/lookups.js'
import {connectionName, spaceName} from '../actions/target.js'
import {NoCredentialsError} from '../api/credentials.js'
import {EnvironmentError, InputError, NOTHING_SENT} from '../errors.js'
import {ExitCode, type ExitCodeValue} from '../exit-codes.js'
import {type GatewayPlan, namesAtHeroku, planGateway, TUNNEL_MSS, TUNNEL_MTU} from '../gateway/plan.js'
import {connectionCommand} from '../ui/command-lines.js'
import {type DoctorHost} from './host.js'
import {checkFiles, findInstalled, type InstalledFormat, type InstalledGateway, regenerateCommand} from './installed.js'
import {
  DOCTOR_REPORT_VERSION,
  type DoctorReport,
  type Finding,
  formatReport,
  type Skipped,
  sortFindings,
  type TunnelSummary,
} from './report.js'
import {checkRunning, type HostTunnel} from './running.js'

/** Seconds between the two reads of the IPsec error counters, unless --interval says otherwise. */
export const DEFAULT_COUNTER_INTERVAL_SECONDS = 3
export const MAX_COUNTER_INTERVAL_SECONDS = 60

export interface DoctorOptions extends ConnectionTarget {
  readonly intervalSeconds: number
  readonly json: boolean
}

export interface DoctorContext {
  readonly api: PlatformApi
  readonly host: DoctorHost
  readonly terminal: Terminal
}

export function doctorOptions(
  args: {name?: string},
  flags: {interval?: string; json?: boolean; name?: string; space: string},
): DoctorOptions {
  const interval = flags.interval === undefined ? DEFAULT_COUNTER_INTERVAL_SECONDS : Number(flags.interval.trim())
  if (
    flags.interval?.trim() === '' ||
    !Number.isFinite(interval) ||
    interval < 0 ||
    interval > MAX_COUNTER_INTERVAL_SECONDS
  ) {
    throw new InputError(
      `--interval "${flags.interval}" is not a number of seconds from 0 to ${MAX_COUNTER_INTERVAL_SECONDS}. ${NOTHING_SENT}`,
    )
  }

  return {
    intervalSeconds: interval,
    json: flags.json === true,
    name: connectionName(args.name, flags.name),
    space: spaceName(flags.space),
  }
}

/** Doctor reads a Linux host's strongSwan: anywhere else it has nothing to read. */
async function requireEnvironment(host: DoctorHost): Promise<{ipsec: boolean; swanctl: boolean}> {
  if (host.platform !== 'linux') {
    throw new EnvironmentError(
      `spaces:vpn:doctor checks a Linux VPN host running strongSwan; this is ${host.platform}: run it on the VPN host.`,
    )
  }

  const swanctl = (await host.run('swanctl', ['--version'])) !== undefined
  const ipsec = (await host.run('ipsec', ['--version'])) !== undefined
  if (!swanctl && !ipsec) {
    throw new EnvironmentError(
      'strongSwan is not installed on this host (neither swanctl nor ipsec was found): run doctor on the VPN host.',
    )
  }

  return {ipsec, swanctl}
}

interface HerokuView {
  readonly connection?: VpnConnection
  readonly plan?: GatewayPlan
}

/** Heroku's view: the connection and what config would generate from it; nothing without a token. */
async function readHeroku(
  options: DoctorOptions,
  context: DoctorContext,
  findings: Finding[],
  skipped: Skipped[],
): Promise<HerokuView> {
  let connection: VpnConnection
  try {
    connection = await requireConnection(context.api, options)
  } catch (error) {
    if (!(error instanceof NoCredentialsError)) throw error
    skipped.push({
      check: "Heroku's view (tunnel status, keys, tunnel IPs, networks)",
      reason: 'no Heroku credentials on this host (HEROKU_API_KEY, netrc): only the host was checked',
    })
    return {}
  }

  if (connection.status !== 'active') {
    findings.push({
      evidence: `status ${connection.status ?? 'unknown'}${connection.status_message ? `: ${connection.status_message}` : ''}`,
      fix:
        connection.status === 'failed'
          ? `${connectionCommand('destroy', options.name, options.space, '--confirm', options.name, '--wait')}, then connect again once the cause is fixed`
          : connectionCommand('wait', options.name, options.space),
      id: 'connection-not-active',
      problem: 'the VPN connection is not active at Heroku',
      severity: 'critical',
      view: 'heroku',
    })
    return {connection}
  }

  const space = await context.api.getSpace(options.space)
  try {
    return {
      connection,
      plan: planGateway({connection, names: namesAtHeroku(connection, space, options), target: options}),
    }
  } catch {
    skipped.push({
      check: "the files against Heroku's connection",
      reason: 'the API returned a connection no configuration can be made from',
    })
    return {connection}
  }
}

/** The tunnels as the host runs them: the installed files' names, Heroku's addresses and status where known. */
function hostTunnels(installed: InstalledGateway | undefined, heroku: HerokuView): HostTunnel[] {
  const herokuTunnels = heroku.connection?.tunnels ?? []
  const status = (number: number) => {
    const tunnel = herokuTunnels[number - 1]
    return tunnel ? {message: tunnel.status_message ?? undefined, status: tunnel.status ?? undefined} : undefined
  }

  if (installed) {
    // the plan names the same interfaces as the installed files when they were made for this connection
    const planned = installed.baseName === heroku.plan?.baseName ? heroku.plan.tunnels : []
    return installed.tunnels.map((tunnel) => ({
      ...tunnel,
      heroku: status(tunnel.number),
      interfaceName: tunnel.interfaceName ?? planned[tunnel.number - 1]?.interfaceName,
      ip: tunnel.ip ?? heroku.plan?.tunnels[tunnel.number - 1]?.ip,
    }))
  }

  return []
}

function notInstalled(options: DoctorOptions, format: InstalledFormat): Finding {
  return {
    evidence: `no /etc/swanctl/conf.d/*.conf and no conn in /etc/ipsec.conf for VPN connection ${options.name} of space ${options.space}`,
    fix: regenerateCommand(options, format),
    id: 'not-installed',
    problem: 'no gateway files for this connection are installed: both tunnels are DOWN',
    severity: 'critical',
    view: 'files',
  }
}

/** Tunnels DOWN at Heroku that no other finding explains. */
function unexplainedDown(
  options: DoctorOptions & {readonly root: boolean},
  tunnels: readonly HostTunnel[],
  heroku: HerokuView,
  findings: readonly Finding[],
): Finding[] {
  const {root} = options
  if (findings.some((finding) => finding.severity === 'critical' && finding.tunnel === undefined)) return []
  return (heroku.connection?.tunnels ?? []).flatMap((tunnel, index) => {
    const number = index + 1
    if (tunnel.status !== 'DOWN' || findings.some((finding) => finding.tunnel === number)) return []
    const name = tunnels.find((entry) => entry.number === number)?.name
    return [
      {
        evidence: `Heroku: tunnel ${number} ${tunnel.ip ?? ''} DOWN${tunnel.status_message ? ` (${tunnel.status_message})` : ''}`,
        fix: root
          ? `journalctl -u strongswan -n 50${name ? ` | grep ${name}` : ''}`
          : `sudo ${connectionCommand('doctor', options.name, options.space)}`,
        id: 'down-at-heroku',
        problem: 'Heroku shows the tunnel DOWN',
        severity: 'error',
        tunnel: number,
        view: 'heroku',
      } satisfies Finding,
    ]
  })
}

/** Holds Heroku's view, the installed files and what runs side by side; prints the report and returns the exit code. */
export async function runDoctor(options: DoctorOptions, context: DoctorContext): Promise<ExitCodeValue> {
  const {host, terminal} = context
  const tools = await requireEnvironment(host)
  const findings: Finding[] = []
  const skipped: Skipped[] = []
  const heroku = await readHeroku(options, context, findings, skipped)
  const installed = await findInstalled(host, options, heroku.plan)
  const format: InstalledFormat = installed?.format ?? (tools.swanctl ? 'swanctl' : 'ipsec-conf')
  if (installed) findings.push(...(await checkFiles(host, options, installed, {plan: heroku.plan, skipped})))
  else findings.push(notInstalled(options, format))

  const tunnels = hostTunnels(installed, heroku)
  const collector = {findings, skipped}
  const states = await checkRunning(
    host,
    {
      counterIntervalMs: options.intervalSeconds * 1000,
      format,
      localIp: installed?.localIp,
      mss: TUNNEL_MSS,
      mtu: TUNNEL_MTU,
      routableCidrs: heroku.plan?.routableCidrs ?? installed?.updown?.routableCidrs ?? [],
      spaceCidr: heroku.plan?.remoteSubnet ?? installed?.updown?.spaceCidr,
      target: options,
      tunnels,
    },
    collector,
  )
  findings.push(...unexplainedDown({...options, root: host.isRoot}, tunnels, heroku, findings))

  const summaries: TunnelSummary[] = [1, 2].map((number) => {
    const herokuTunnel = heroku.connection?.tunnels?.[number - 1]
    const hostTunnel = tunnels.find((tunnel) => tunnel.number === number)
    return {
      charon: states.get(number) ?? 'unknown',
      heroku: herokuTunnel?.status ?? 'unknown',
      ip: herokuTunnel?.ip ?? hostTunnel?.ip,
      name: hostTunnel?.name ?? heroku.plan?.tunnels[number - 1]?.name ?? `tunnel${number}`,
      number,
    }
  })
  const sorted = sortFindings(findings)
  const report: DoctorReport = {
    connection: {name: options.name, space: options.space},
    findings: sorted,
    format: installed?.format,
    ok: sorted.length === 0,
    skipped,
    tunnels: summaries,
    version: DOCTOR_REPORT_VERSION,
  }
  if (options.json) terminal.json(report)
  else terminal.out(formatReport(report, terminal.styleOut))
  return report.ok ? ExitCode.ok : ExitCode.problems
}
