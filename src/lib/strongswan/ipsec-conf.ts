import {
  CHILD_LIFETIME_SECONDS,
  DPD_DELAY_SECONDS,
  DPD_TIMEOUT_SECONDS,
  fileHeader,
  type GatewayConfig,
  type GatewayFileTarget,
  type GatewayPlan,
  IKE_LIFETIME_SECONDS,
  PROPOSAL,
} from './gateway-plan.js'

export const IPSEC_CONF: GatewayFileTarget = {destination: '/etc/ipsec.conf', name: 'ipsec.conf', secret: false}
export const IPSEC_SECRETS: GatewayFileTarget = {destination: '/etc/ipsec.secrets', name: 'ipsec.secrets', secret: true}

function section(header: string, settings: ReadonlyArray<readonly [string, string]>): string {
  return [header, ...settings.map(([key, value]) => `  ${key}=${value}`)].join('\n')
}

/**
 * The article's conn settings, once per connection in a conn that is never loaded by itself: each tunnel's conns
 * pull it in with also=, so nothing changes the user's other conns (as `conn %default` would).
 */
function baseConn(plan: GatewayPlan): string {
  return section(`conn ${plan.baseName}-base`, [
    ['auto', 'ignore'],
    ['type', 'tunnel'],
    ['compress', 'no'],
    ['keyexchange', `ikev${plan.ikeVersion}`],
    ['ike', `${PROPOSAL}!`],
    ['esp', `${PROPOSAL}!`],
    ['ikelifetime', `${IKE_LIFETIME_SECONDS}s`],
    ['lifetime', `${CHILD_LIFETIME_SECONDS}s`],
    ['authby', 'secret'],
    ['left', plan.localIp],
    ['leftid', plan.localIp],
    ['rightsubnet', plan.remoteSubnet],
    ['dpddelay', `${DPD_DELAY_SECONDS}s`],
    ['dpdtimeout', `${DPD_TIMEOUT_SECONDS}s`],
    ['dpdaction', 'restart'],
    ['keyingtries', '%forever'],
  ])
}

export function renderIpsecConf(plan: GatewayPlan): string {
  const conns = plan.tunnels.flatMap((tunnel) =>
    tunnel.children.map((child) =>
      section(`conn ${child.name}`, [
        ['also', `${plan.baseName}-base`],
        ['auto', 'route'],
        ['right', tunnel.ip],
        ['rightid', tunnel.ip],
        ['leftsubnet', child.localSubnets.join(',')],
      ]),
    ),
  )
  const perCidr = plan.tunnels.some((tunnel) => tunnel.children.length > 1)
    ? ['# IKEv1 carries one subnet pair per IPsec SA: one conn per routable CIDR; the conns of a tunnel share its IKE SA.']
    : []
  return `${[fileHeader(IPSEC_CONF.destination, plan), baseConn(plan), [...perCidr, ...conns].join('\n\n')].join('\n\n')}\n`
}

export function renderIpsecSecrets(plan: GatewayPlan): string {
  return `${[fileHeader(IPSEC_SECRETS.destination, plan), ...plan.tunnels.map((tunnel) => `${tunnel.ip} : PSK ${tunnel.secret}`)].join('\n')}\n`
}

/** ipsec.conf and ipsec.secrets, for strongSwan's ipsec starter (the article's example). */
export function ipsecGateway(plan: GatewayPlan): GatewayConfig {
  return {
    files: [
      {...IPSEC_CONF, content: renderIpsecConf(plan)},
      {...IPSEC_SECRETS, content: renderIpsecSecrets(plan)},
    ],
    initiate: plan.tunnels.flatMap((tunnel) => tunnel.children.map((child) => `sudo ipsec up ${child.name}`)),
    install: `Install them on your VPN host as ${IPSEC_CONF.destination} and ${IPSEC_SECRETS.destination} (mode 0600), or append them to the ones you have: their conn names all start with ${plan.baseName}-.`,
    load: ['sudo ipsec restart', '# or, if strongSwan is running other tunnels: sudo ipsec reload && sudo ipsec rereadsecrets'],
  }
}
