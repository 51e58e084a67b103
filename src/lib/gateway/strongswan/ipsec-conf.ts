import {renderSysctl, SYSCTL_CHANGE, SYSCTL_DESTINATION} from '../linux/sysctl.js'
import {describeRouteBasedTunnels, firewallChange, renderUpdown} from '../linux/updown.js'
import {describePlan, type GatewayConfig, type GatewayPlan, outputFileNames} from '../plan.js'
import {secretValue} from '../secret-value.js'
import {CHARON_SETTINGS_CHANGE, CHARON_SETTINGS_DESTINATION, renderCharonSettings} from './charon-settings.js'
import {strongswanProposal} from './spelling.js'

export const IPSEC_FILE_NAMES = outputFileNames(
  'ipsec.conf',
  'ipsec.secrets',
  'updown.sh',
  'strongswan.conf',
  'sysctl.conf',
)

function section(header: string, settings: ReadonlyArray<readonly [string, string]>): string {
  return [header, ...settings.map(([key, value]) => `  ${key}=${value}`)].join('\n')
}

export function updownPath(plan: GatewayPlan): string {
  return `/etc/ipsec.d/${plan.baseName}-updown.sh`
}

/** What every tunnel shares, in a conn that is never loaded by itself, so the user's other conns are left alone. */
function baseConn(plan: GatewayPlan): string {
  const {deadPeer, lifetimes} = plan
  const proposal = `${strongswanProposal(plan.proposal)}!`
  return section(`conn ${plan.baseName}-base`, [
    ['auto', 'ignore'],
    ['type', 'tunnel'],
    ['compress', 'no'],
    ['keyexchange', `ikev${plan.ikeVersion}`],
    ['ike', proposal],
    ['esp', proposal],
    ['ikelifetime', `${lifetimes.ikeSeconds}s`],
    ['lifetime', `${lifetimes.childSeconds}s`],
    ['margintime', `${lifetimes.marginSeconds}s`],
    // IKEv2 rekeys its IKE SA under the tunnel's feet; IKEv1 can only reauthenticate, which charon does before break
    ...(plan.reauthenticates ? [] : ([['reauth', 'no']] as const)),
    ['authby', 'secret'],
    ['left', plan.localIp ?? '%defaultroute'],
    ['leftid', plan.identity],
    ['leftsubnet', plan.trafficSelector],
    ['rightsubnet', plan.trafficSelector],
    ['leftupdown', updownPath(plan)],
    ['dpddelay', `${deadPeer.delaySeconds}s`],
    ...(deadPeer.timeoutSeconds === undefined ? [] : ([['dpdtimeout', `${deadPeer.timeoutSeconds}s`]] as const)),
    ['dpdaction', 'restart'],
    ['closeaction', 'restart'],
    ['keyingtries', '%forever'],
  ])
}

export function renderIpsecConf(plan: GatewayPlan): string {
  const conns = plan.tunnels.map((tunnel) =>
    section(`conn ${tunnel.name}`, [
      ['also', `${plan.baseName}-base`],
      ['auto', 'start'],
      ['right', tunnel.ip],
      ['rightid', tunnel.ip],
      ['mark_in', tunnel.markIn],
      ['mark_out', tunnel.markOut],
    ]),
  )
  const about = [
    describePlan(plan, 'ipsec.conf'),
    ...describeRouteBasedTunnels(plan, updownPath(plan), 'with strongSwan'),
  ].join('\n')
  return `${[about, baseConn(plan), ...conns].join('\n\n')}\n`
}

export function renderIpsecSecrets(plan: GatewayPlan): string {
  return `${[describePlan(plan, 'ipsec.secrets'), ...plan.tunnels.map((tunnel) => `${tunnel.ip} : PSK ${secretValue(tunnel.preSharedKey)}`)].join('\n')}\n`
}

/** ipsec.conf and ipsec.secrets for strongSwan's ipsec starter (the article's example), with what they rely on. */
export function ipsecGateway(plan: GatewayPlan): GatewayConfig {
  const [conf, secrets, updown, charon, sysctl] = IPSEC_FILE_NAMES
  return {
    activate: [`sudo sysctl -p ${SYSCTL_DESTINATION}`, 'sudo ipsec restart'],
    daemon: 'strongSwan',
    files: [
      {content: renderIpsecConf(plan), destination: '/etc/ipsec.conf', kind: 'settings', name: conf},
      {content: renderIpsecSecrets(plan), destination: '/etc/ipsec.secrets', kind: 'keys', name: secrets},
      {content: renderUpdown(plan), destination: updownPath(plan), kind: 'script', name: updown},
      {content: renderCharonSettings(), destination: CHARON_SETTINGS_DESTINATION, kind: 'settings', name: charon},
      {content: renderSysctl(), destination: SYSCTL_DESTINATION, kind: 'settings', name: sysctl},
    ],
    hostChanges: [
      `/etc/ipsec.conf and /etc/ipsec.secrets replace the ones there: if they hold other connections, append these to them instead (every name here starts with ${plan.baseName}-).`,
      firewallChange(plan),
      CHARON_SETTINGS_CHANGE,
      SYSCTL_CHANGE,
    ],
  }
}
