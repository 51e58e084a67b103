import {renderSysctl, SYSCTL_CHANGE, SYSCTL_DESTINATION} from '../linux-sysctl.js'
import {
  CHILD_LIFETIME_SECONDS,
  describePlan,
  DPD_DELAY_SECONDS,
  DPD_TIMEOUT_SECONDS,
  type GatewayConfig,
  type GatewayPlan,
  IKE_LIFETIME_SECONDS,
  outputFileNames,
  type PlannedTunnel,
  PROPOSAL,
  REKEY_MARGIN_SECONDS,
  TRAFFIC_SELECTOR,
} from '../plan.js'
import {CHARON_SETTINGS_CHANGE, CHARON_SETTINGS_DESTINATION, renderCharonSettings} from './charon-settings.js'
import {describeRouteBasedTunnels, FIREWALL_CHANGE, renderUpdown} from './updown.js'

export const SWANCTL_FILE_NAMES = outputFileNames('swanctl.conf', 'updown.sh', 'strongswan.conf', 'sysctl.conf')

type Setting = Block | readonly [string, string]

interface Block {
  readonly name: string
  readonly settings: readonly Setting[]
}

function block(name: string, settings: readonly Setting[]): Block {
  return {name, settings}
}

function renderBlock(entry: Block, depth: number): string[] {
  const indent = '  '.repeat(depth)
  return [
    `${indent}${entry.name} {`,
    ...entry.settings.flatMap((setting) =>
      'name' in setting ? renderBlock(setting, depth + 1) : [`${indent}  ${setting[0]} = ${setting[1]}`],
    ),
    `${indent}}`,
  ]
}

export function updownPath(plan: GatewayPlan): string {
  return `/etc/swanctl/${plan.baseName}-updown.sh`
}

/**
 * The same settings as the ipsec.conf, in swanctl.conf's terms. Lifetimes: ipsec.conf renews an SA `margintime`
 * (plus a random part of as much again) before its lifetime ends, which swanctl.conf spells as rekey (or, for IKEv1's
 * IKE SA, reauth) time = lifetime - margin, over_time and rand_time = margin. Proposals in swanctl.conf are strict
 * without ipsec.conf's `!`.
 */
function tunnelConnection(plan: GatewayPlan, tunnel: PlannedTunnel): Block {
  const child = block(tunnel.name, [
    ['mode', 'tunnel'],
    ['ipcomp', 'no'],
    ['local_ts', TRAFFIC_SELECTOR],
    ['remote_ts', TRAFFIC_SELECTOR],
    ['esp_proposals', PROPOSAL],
    ['rekey_time', `${CHILD_LIFETIME_SECONDS - REKEY_MARGIN_SECONDS}s`],
    ['life_time', `${CHILD_LIFETIME_SECONDS}s`],
    ['rand_time', `${REKEY_MARGIN_SECONDS}s`],
    ['mark_in', tunnel.markIn],
    ['mark_out', tunnel.markOut],
    ['updown', updownPath(plan)],
    ['start_action', 'start'],
    ['dpd_action', 'restart'],
    ['close_action', 'start'],
  ])
  return block(tunnel.name, [
    ['version', String(plan.ikeVersion)],
    ...(plan.localIp === undefined ? [] : ([['local_addrs', plan.localIp]] as const)),
    ['remote_addrs', tunnel.ip],
    ['proposals', PROPOSAL],
    // IKEv2 rekeys its IKE SA under the tunnel's feet; IKEv1 can only reauthenticate, which charon does before break
    ...(plan.ikeVersion === 2
      ? ([['rekey_time', `${IKE_LIFETIME_SECONDS - REKEY_MARGIN_SECONDS}s`]] as const)
      : ([
          ['rekey_time', '0s'],
          ['reauth_time', `${IKE_LIFETIME_SECONDS - REKEY_MARGIN_SECONDS}s`],
        ] as const)),
    ['over_time', `${REKEY_MARGIN_SECONDS}s`],
    ['rand_time', `${REKEY_MARGIN_SECONDS}s`],
    ['dpd_delay', `${DPD_DELAY_SECONDS}s`],
    ...(plan.ikeVersion === 1 ? ([['dpd_timeout', `${DPD_TIMEOUT_SECONDS}s`]] as const) : []),
    ['keyingtries', '0'],
    block('local', [
      ['auth', 'psk'],
      ['id', plan.identity],
    ]),
    block('remote', [
      ['auth', 'psk'],
      ['id', tunnel.ip],
    ]),
    block('children', [child]),
  ])
}

export function renderSwanctlConf(plan: GatewayPlan): string {
  const connections = block(
    'connections',
    plan.tunnels.map((tunnel) => tunnelConnection(plan, tunnel)),
  )
  const secrets = block(
    'secrets',
    plan.tunnels.map((tunnel) =>
      block(`ike-${tunnel.name}`, [
        ['id', tunnel.ip],
        ['secret', tunnel.secret],
      ]),
    ),
  )
  const margin = `${REKEY_MARGIN_SECONDS / 60} to ${(2 * REKEY_MARGIN_SECONDS) / 60} minutes`
  const about = [
    describePlan(plan, 'swanctl.conf'),
    ...describeRouteBasedTunnels(plan, updownPath(plan), 'when loaded'),
    `# Lifetimes as ipsec.conf applies ikelifetime=${IKE_LIFETIME_SECONDS}s and lifetime=${CHILD_LIFETIME_SECONDS}s: renewal starts ${margin} before they end.`,
  ]
  return `${[...about, ...renderBlock(connections, 0), '', ...renderBlock(secrets, 0)].join('\n')}\n`
}

/** A swanctl.conf with its secrets, for strongSwan's current interface (vici), with what it relies on. */
export function swanctlGateway(plan: GatewayPlan): GatewayConfig {
  const [conf, updown, charon, sysctl] = SWANCTL_FILE_NAMES
  return {
    // Debian's and Ubuntu's strongswan service (package charon-systemd) runs `swanctl --load-all` once charon is up
    activate: [`sudo sysctl -p ${SYSCTL_DESTINATION}`, 'sudo systemctl restart strongswan'],
    files: [
      {
        content: renderSwanctlConf(plan),
        destination: `/etc/swanctl/conf.d/${plan.baseName}.conf`,
        kind: 'keys',
        name: conf,
      },
      {content: renderUpdown(plan), destination: updownPath(plan), kind: 'script', name: updown},
      {content: renderCharonSettings(), destination: CHARON_SETTINGS_DESTINATION, kind: 'settings', name: charon},
      {content: renderSysctl(), destination: SYSCTL_DESTINATION, kind: 'settings', name: sysctl},
    ],
    hostChanges: [FIREWALL_CHANGE, CHARON_SETTINGS_CHANGE, SYSCTL_CHANGE],
  }
}
