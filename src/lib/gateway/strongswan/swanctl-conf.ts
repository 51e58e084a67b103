import {renderSysctl, SYSCTL_CHANGE, SYSCTL_DESTINATION} from '../linux/sysctl.js'
import {describeRouteBasedTunnels, firewallChange, renderUpdown} from '../linux/updown.js'
import {describePlan, type GatewayConfig, type GatewayPlan, outputFileNames, type PlannedTunnel} from '../plan.js'
import {secretValue} from '../secret-value.js'
import {CHARON_SETTINGS_CHANGE, CHARON_SETTINGS_DESTINATION, renderCharonSettings} from './charon-settings.js'
import {strongswanProposal} from './spelling.js'

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
  const {deadPeer, lifetimes} = plan
  const proposal = strongswanProposal(plan.proposal)
  const margin = `${lifetimes.marginSeconds}s`
  const ikeRenewal = `${lifetimes.ikeSeconds - lifetimes.marginSeconds}s`
  const child = block(tunnel.name, [
    ['mode', 'tunnel'],
    ['ipcomp', 'no'],
    ['local_ts', plan.trafficSelector],
    ['remote_ts', plan.trafficSelector],
    ['esp_proposals', proposal],
    ['rekey_time', `${lifetimes.childSeconds - lifetimes.marginSeconds}s`],
    ['life_time', `${lifetimes.childSeconds}s`],
    ['rand_time', margin],
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
    ['proposals', proposal],
    // IKEv2 rekeys its IKE SA under the tunnel's feet; IKEv1 can only reauthenticate, which charon does before break
    ...(plan.reauthenticates
      ? ([
          ['rekey_time', '0s'],
          ['reauth_time', ikeRenewal],
        ] as const)
      : ([['rekey_time', ikeRenewal]] as const)),
    ['over_time', margin],
    ['rand_time', margin],
    ['dpd_delay', `${deadPeer.delaySeconds}s`],
    ...(deadPeer.timeoutSeconds === undefined ? [] : ([['dpd_timeout', `${deadPeer.timeoutSeconds}s`]] as const)),
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
        ['secret', secretValue(tunnel.preSharedKey)],
      ]),
    ),
  )
  const {lifetimes} = plan
  const margin = `${lifetimes.marginSeconds / 60} to ${(2 * lifetimes.marginSeconds) / 60} minutes`
  const about = [
    describePlan(plan, 'swanctl.conf'),
    ...describeRouteBasedTunnels(plan, updownPath(plan), 'when loaded'),
    `# Lifetimes as ipsec.conf applies ikelifetime=${lifetimes.ikeSeconds}s and lifetime=${lifetimes.childSeconds}s: renewal starts ${margin} before they end.`,
  ]
  return `${[...about, ...renderBlock(connections, 0), '', ...renderBlock(secrets, 0)].join('\n')}\n`
}

/** A swanctl.conf with its secrets, for strongSwan's current interface (vici), with what it relies on. */
export function swanctlGateway(plan: GatewayPlan): GatewayConfig {
  const [conf, updown, charon, sysctl] = SWANCTL_FILE_NAMES
  return {
    // Debian's and Ubuntu's strongswan service (package charon-systemd) runs `swanctl --load-all` once charon is up
    activate: [`sudo sysctl -p ${SYSCTL_DESTINATION}`, 'sudo systemctl restart strongswan'],
    daemon: 'strongSwan',
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
    hostChanges: [firewallChange(plan), CHARON_SETTINGS_CHANGE, SYSCTL_CHANGE],
  }
}
