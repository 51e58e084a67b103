import {renderSysctl, SYSCTL_CHANGE, SYSCTL_DESTINATION} from '../linux/sysctl.js'
import {describeRouteBasedTunnels, firewallChange, renderUpdown} from '../linux/updown.js'
import {describePlan, type GatewayConfig, type GatewayPlan, outputFileNames, type Proposal} from '../plan.js'
import {secretValue} from '../secret-value.js'

export const LIBRESWAN_FILE_NAMES = outputFileNames('libreswan.conf', 'libreswan.secrets', 'updown.sh', 'sysctl.conf')

/** libreswan's names for the plan's algorithms, where they differ. */
const LIBRESWAN_ALGORITHM: Readonly<Record<string, string>> = {sha256: 'sha2_256'}

function algorithmName(algorithm: string): string {
  return LIBRESWAN_ALGORITHM[algorithm] ?? algorithm
}

/** A proposal as libreswan writes it: `aes256-sha2_256;modp2048`. */
export function libreswanProposal(proposal: Proposal): string {
  return `${algorithmName(proposal.encryption)}-${algorithmName(proposal.integrity)};${algorithmName(proposal.dhGroup)}`
}

function section(header: string, settings: ReadonlyArray<readonly [string, string]>): string {
  return [header, ...settings.map(([key, value]) => `  ${key}=${value}`)].join('\n')
}

function updownPath(plan: GatewayPlan): string {
  return `/etc/ipsec.d/${plan.baseName}-updown.sh`
}

/**
 * What both tunnels share, in a conn that is never loaded by itself. The same behaviour as the strongSwan files in
 * libreswan's terms: pluto restarts a connection with auto=start that the far end deleted; retransmit-interval is the
 * first wait in milliseconds, doubled each time, and retransmit-timeout when pluto gives the message up.
 */
function baseConn(plan: GatewayPlan): string {
  const {deadPeer, ikeRetransmit, lifetimes} = plan
  const proposal = libreswanProposal(plan.proposal)
  // no auto= here: libreswan refuses a key that the conn saying also= sets too, and ignores a conn without one
  return section(`conn ${plan.baseName}-base`, [
    ['type', 'tunnel'],
    ['authby', 'secret'],
    ['ikev2', plan.ikeVersion === 2 ? 'yes' : 'no'],
    ['ike', proposal],
    ['esp', proposal],
    ['ikelifetime', `${lifetimes.ikeSeconds}s`],
    ['salifetime', `${lifetimes.childSeconds}s`],
    ['rekeymargin', `${lifetimes.marginSeconds}s`],
    ['rekeyfuzz', '100%'],
    ['left', plan.localIp ?? '%defaultroute'],
    ['leftid', plan.identity],
    ['leftsubnet', plan.trafficSelector],
    ['rightsubnet', plan.trafficSelector],
    ['leftupdown', updownPath(plan)],
    ['dpddelay', `${deadPeer.delaySeconds}s`],
    ...(deadPeer.timeoutSeconds === undefined ? [] : ([['dpdtimeout', `${deadPeer.timeoutSeconds}s`]] as const)),
    ['dpdaction', 'restart'],
    ['keyingtries', '%forever'],
    ['retransmit-interval', String(ikeRetransmit.firstSeconds * 1000)],
    ['retransmit-timeout', `${ikeRetransmit.giveUpSeconds}s`],
  ])
}

export function renderLibreswanConf(plan: GatewayPlan): string {
  const conns = plan.tunnels.map((tunnel) =>
    section(`conn ${tunnel.name}`, [
      ['also', `${plan.baseName}-base`],
      ['auto', 'start'],
      ['right', tunnel.ip],
      ['rightid', tunnel.ip],
      ['mark-in', tunnel.markIn],
      ['mark-out', tunnel.markOut],
    ]),
  )
  const about = [
    describePlan(plan, 'libreswan configuration'),
    ...describeRouteBasedTunnels(plan, updownPath(plan), 'with libreswan'),
  ].join('\n')
  return `${[about, baseConn(plan), ...conns].join('\n\n')}\n`
}

export function renderLibreswanSecrets(plan: GatewayPlan): string {
  return `${[
    describePlan(plan, 'libreswan secrets'),
    ...plan.tunnels.map((tunnel) => `${plan.identity} ${tunnel.ip} : PSK ${secretValue(tunnel.preSharedKey)}`),
  ].join('\n')}\n`
}

/**
 * A conn and a secrets file in /etc/ipsec.d for libreswan, the IPsec of Red Hat Enterprise Linux, Amazon Linux,
 * Fedora and their kin, which include them from /etc/ipsec.conf and /etc/ipsec.secrets as installed.
 */
export function libreswanGateway(plan: GatewayPlan): GatewayConfig {
  const [conf, secrets, updown, sysctl] = LIBRESWAN_FILE_NAMES
  return {
    activate: [`sudo sysctl -p ${SYSCTL_DESTINATION}`, 'sudo systemctl restart ipsec'],
    daemon: 'libreswan',
    files: [
      {
        content: renderLibreswanConf(plan),
        destination: `/etc/ipsec.d/${plan.baseName}.conf`,
        kind: 'settings',
        name: conf,
      },
      {
        content: renderLibreswanSecrets(plan),
        destination: `/etc/ipsec.d/${plan.baseName}.secrets`,
        kind: 'keys',
        name: secrets,
      },
      {content: renderUpdown(plan), destination: updownPath(plan), kind: 'script', name: updown},
      {content: renderSysctl(), destination: SYSCTL_DESTINATION, kind: 'settings', name: sysctl},
    ],
    hostChanges: [firewallChange(plan), SYSCTL_CHANGE],
  }
}
