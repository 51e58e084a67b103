import {
  CHILD_LIFETIME_SECONDS,
  DPD_DELAY_SECONDS,
  DPD_TIMEOUT_SECONDS,
  fileHeader,
  type GatewayConfig,
  type GatewayFileTarget,
  type GatewayPlan,
  IKE_LIFETIME_SECONDS,
  type PlannedTunnel,
  PROPOSAL,
  REKEY_MARGIN_SECONDS,
} from './gateway-plan.js'

export const SWANCTL_CONF: GatewayFileTarget = {destination: '/etc/swanctl/swanctl.conf', name: 'swanctl.conf', secret: true}

type Setting = readonly [string, string] | Block

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

/**
 * The same settings as the ipsec.conf, in swanctl.conf's terms. Lifetimes: ipsec.conf renews an SA `margintime`
 * (plus a random part of as much again) before its lifetime ends and reauthenticates IKE SAs (reauth=yes), which
 * swanctl.conf spells as reauth/rekey time = lifetime - margin, over_time and rand_time = margin.
 * Proposals in swanctl.conf are strict without ipsec.conf's `!`.
 */
function tunnelConnection(plan: GatewayPlan, tunnel: PlannedTunnel): Block {
  const children = tunnel.children.map((child) =>
    block(child.name, [
      ['mode', 'tunnel'],
      ['ipcomp', 'no'],
      ['local_ts', child.localSubnets.join(',')],
      ['remote_ts', plan.remoteSubnet],
      ['esp_proposals', PROPOSAL],
      ['rekey_time', `${CHILD_LIFETIME_SECONDS - REKEY_MARGIN_SECONDS}s`],
      ['life_time', `${CHILD_LIFETIME_SECONDS}s`],
      ['rand_time', `${REKEY_MARGIN_SECONDS}s`],
      ['dpd_action', 'restart'],
      ['start_action', 'trap'],
    ]),
  )
  return block(tunnel.name, [
    ['version', String(plan.ikeVersion)],
    ['local_addrs', plan.localIp],
    ['remote_addrs', tunnel.ip],
    ['proposals', PROPOSAL],
    ['reauth_time', `${IKE_LIFETIME_SECONDS - REKEY_MARGIN_SECONDS}s`],
    ['over_time', `${REKEY_MARGIN_SECONDS}s`],
    ['rand_time', `${REKEY_MARGIN_SECONDS}s`],
    ['dpd_delay', `${DPD_DELAY_SECONDS}s`],
    ['dpd_timeout', `${DPD_TIMEOUT_SECONDS}s`],
    ['keyingtries', '0'],
    block('local', [
      ['auth', 'psk'],
      ['id', plan.localIp],
    ]),
    block('remote', [
      ['auth', 'psk'],
      ['id', tunnel.ip],
    ]),
    block('children', children),
  ])
}

export function renderSwanctlConf(plan: GatewayPlan): string {
  const connections = block('connections', plan.tunnels.map((tunnel) => tunnelConnection(plan, tunnel)))
  const secrets = block(
    'secrets',
    plan.tunnels.map((tunnel) =>
      block(`ike-${tunnel.name}`, [
        ['id', tunnel.ip],
        ['secret', tunnel.secret],
      ]),
    ),
  )
  const perCidr = plan.tunnels.some((tunnel) => tunnel.children.length > 1)
    ? ['# IKEv1 carries one subnet pair per IPsec SA: one child per routable CIDR, all in the tunnel\'s IKE SA.']
    : []
  const margin = `${REKEY_MARGIN_SECONDS / 60} to ${(2 * REKEY_MARGIN_SECONDS) / 60} minutes`
  const lifetimes = `# Lifetimes as ipsec.conf applies ikelifetime=${IKE_LIFETIME_SECONDS}s and lifetime=${CHILD_LIFETIME_SECONDS}s: renewal starts ${margin} before they end.`
  return `${[fileHeader(SWANCTL_CONF.destination, plan), '', lifetimes, ...perCidr, ...renderBlock(connections, 0), '', ...renderBlock(secrets, 0)].join('\n')}\n`
}

/** swanctl.conf with its secrets, for strongSwan's current interface (vici). */
export function swanctlGateway(plan: GatewayPlan): GatewayConfig {
  return {
    files: [{...SWANCTL_CONF, content: renderSwanctlConf(plan)}],
    initiate: plan.tunnels.flatMap((tunnel) => tunnel.children.map((child) => `sudo swanctl --initiate --child ${child.name}`)),
    install: `Install it on your VPN host as ${SWANCTL_CONF.destination} (mode 0600), or next to your other connections as /etc/swanctl/conf.d/${plan.baseName}.conf: its connection, child and secret names all contain ${plan.baseName}-.`,
    load: ['sudo swanctl --load-all'],
  }
}
