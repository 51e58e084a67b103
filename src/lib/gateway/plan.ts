import {createHash} from 'node:crypto'

import type {ConnectionTarget, IkeVersion, SpaceInfo, VpnConnection, VpnTunnel} from '../api/types.js'

import {listProblems, OperationError} from '../errors.js'
import {isIpv4, isIpv4Network, isPrivateNetwork, networksOverlap} from '../rules/network.js'
import {connectionCommand} from '../ui/command-lines.js'

/**
 * The article's proposal, aes256-sha2-modp2048, for IKE and for ESP (with perfect forward secrecy in the same group),
 * as algorithms: each format spells it its own way (strongSwan 5.9 drops a conn that says "sha2").
 */
export const PROPOSAL = {dhGroup: 'modp2048', encryption: 'aes256', integrity: 'sha256'} as const

export type Proposal = typeof PROPOSAL

/** The article's ikelifetime=28800s, which is also AWS's phase 1 lifetime. */
export const IKE_LIFETIME_SECONDS = 28_800

/** The article's lifetime=1h, which is also AWS's phase 2 lifetime. */
export const CHILD_LIFETIME_SECONDS = 3600

/** ipsec.conf's default margintime (9m): renewal starts this long, plus up to as long again, before expiry. */
export const REKEY_MARGIN_SECONDS = 540

/**
 * The tunnel interfaces' MTU. AWS carries inner packets of at most 1438 bytes with our proposals, 1422 with NAT-T,
 * does no Path MTU Discovery and does not reassemble fragmented ESP: 1419, as AWS's own Linux configuration sets it,
 * is below both, and the gateway fragments or refuses (with an ICMP its LAN hears) what is larger, before encryption.
 */
export const TUNNEL_MTU = 1419

/** The TCP maximum segment size that fits TUNNEL_MTU (20 bytes of IP and 20 of TCP header): AWS's own `adjust-mss 1379`. */
export const TUNNEL_MSS = TUNNEL_MTU - 40

/** How often an idle tunnel is probed: short, so a tunnel that died silently is given up quickly. */
export const DPD_DELAY_SECONDS = 5

/** IKEv1 only: a peer that has not answered for this long is dead. IKEv2 counts retransmissions instead. */
export const DPD_TIMEOUT_SECONDS = 15

/**
 * The far end is route-based (AWS Site-to-Site VPN): one SA pair per tunnel, selecting everything, which the
 * routes through each tunnel's interface then narrow to the space.
 */
export const TRAFFIC_SELECTOR = '0.0.0.0/0'

/** Route metric of tunnel N through its interface is N times this: tunnel 1 carries the traffic while it is up. */
export const ROUTE_METRIC_STEP = 100

/** UDP ports and the IP protocol the gateway's firewall must let through towards the tunnel IPs. */
export const IKE_PORTS = [500, 4500] as const
export const ESP_PROTOCOL = 50

/**
 * How long an unanswered IKE message is retried: the usual defaults take minutes to give up on a peer that vanished;
 * IKEv2 has no DPD timeout of its own, so this is what bounds the outage, and what spaces out new attempts while a
 * tunnel's far end is away.
 */
export const IKE_RETRANSMIT = {firstSeconds: 2, giveUpSeconds: 16} as const

export interface PlannedTunnel {
  /** The route-based tunnel interface (VTI) the updown script creates: at most 15 characters. */
  readonly interfaceName: string
  /** The Private Space end of the tunnel: `right`. */
  readonly ip: string
  /** Marks the tunnel's inbound policies and keys what its interface receives. */
  readonly markIn: string
  /**
   * Marks the tunnel's outbound policies and SAs and keys what its interface sends: what ties traffic routed there
   * to this SA. It differs from markIn because a packet that arrives through a tunnel keeps the inbound key as its
   * mark, and forwarded on with the same mark it would match the outbound policy and go straight back into the tunnel.
   */
  readonly markOut: string
  /** Name of the tunnel's IKE connection and of its one IPsec SA. */
  readonly name: string
  /** The pre-shared key as the Platform API gives it: each format writes it so that it reads it back unchanged. */
  readonly preSharedKey: string
  /** Metric of the route to the space through this tunnel; the lowest one carries the traffic. */
  readonly routeMetric: number
}

/** What a customer gateway needs for one VPN connection, whatever software renders it. */
export interface GatewayPlan {
  /** Prefix of every name in the generated files, unique per space and connection. */
  readonly baseName: string
  readonly connectionName: string
  readonly deadPeer: {
    readonly delaySeconds: number
    /** Only IKEv1 has a DPD timeout; IKEv2 gives up after the IKE retransmissions. */
    readonly timeoutSeconds?: number
  }
  /**
   * The IKE identity the gateway sends: the connection's public IP, as AWS's own configurations send it, which is
   * right directly on the Internet and behind a 1:1 NAT alike.
   */
  readonly identity: string
  readonly ikeRetransmit: typeof IKE_RETRANSMIT
  readonly ikeVersion: IkeVersion
  readonly lifetimes: {
    readonly childSeconds: number
    readonly ikeSeconds: number
    /** Renewal starts this long before a lifetime ends, plus a random part of as much again. */
    readonly marginSeconds: number
  }
  /**
   * The VPN host's own address (`left`), the private one behind NAT; undefined lets the IKE daemon take the address
   * the host routes to the tunnel IPs from, which is right in both cases unless the host has several.
   */
  readonly localIp?: string
  readonly proposal: Proposal
  /** Whether an IKE SA is renewed by reauthenticating (IKEv1 knows nothing else) or rekeyed in place (IKEv2). */
  readonly reauthenticates: boolean
  /** The space's network, routed into the tunnels. */
  readonly remoteSubnet: string
  /** Your networks: the gateway's own traffic to the space leaves from its address in one of them, if it has one. */
  readonly routableCidrs: readonly string[]
  readonly space: string
  /** The traffic selectors of every tunnel's one SA pair, both ways. */
  readonly trafficSelector: string
  readonly tunnelMss: number
  readonly tunnelMtu: number
  readonly tunnels: readonly PlannedTunnel[]
}

/**
 * What the files written into --output-dir start with: no system file has such a name, so no --output-dir (/etc, say)
 * can lose /etc/sysctl.conf or /etc/strongswan.conf to them.
 */
const OUTPUT_FILE_PREFIX = 'heroku-vpn-'

/** A format's files as named in --output-dir, known before the connection is read so existing ones are refused first. */
export function outputFileNames<const Names extends readonly string[]>(...names: Names): {[K in keyof Names]: string} {
  return names.map((name) => `${OUTPUT_FILE_PREFIX}${name}`) as {[K in keyof Names]: string}
}

/** What a file holds decides its mode: keys are for root's eyes only, the updown script is run by the IKE daemon. */
export const FILE_MODES = {keys: 0o600, script: 0o755, settings: 0o644} as const

export type GatewayFileKind = keyof typeof FILE_MODES

export interface GatewayFile {
  readonly content: string
  /** Where it is installed on the VPN host. */
  readonly destination: string
  readonly kind: GatewayFileKind
  /** The file's name in --output-dir. */
  readonly name: string
}

export interface GatewayConfig {
  /** Commands that apply the files and (re)start the IKE daemon; the tunnels then come up by themselves. */
  readonly activate: readonly string[]
  /** The IKE daemon the files are for, as the next steps name it: "strongSwan". */
  readonly daemon: string
  readonly files: readonly GatewayFile[]
  /** What the files change on the VPN host beyond the two tunnels, and how they sit beside what is there, one sentence each. */
  readonly hostChanges: readonly string[]
}

const UNSAFE_NAME_CHARACTERS = /[^A-Za-z0-9_-]+/g

/**
 * A name every format accepts as a connection's name and that is a word on a shell command line: dots would split a
 * swanctl.conf key, and `%`, quotes, braces or spaces mean something to one of them.
 */
export function gatewayName(...parts: readonly string[]): string {
  const words = parts
    .map((part) => part.replaceAll(UNSAFE_NAME_CHARACTERS, '-').replaceAll(/^-+|-+$/g, ''))
    .filter((word) => word !== '')
  return words.length === 0 ? 'heroku-vpn' : words.join('-')
}

/** A 32-bit mark as the IKE daemons and iproute2 print it. */
function hex(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0')}`
}

/** What tells one VPN connection from every other: the Platform API's ids, and its names as the API spells them. */
export interface ConnectionIdentity extends ConnectionTarget {
  readonly connectionId?: string
  readonly spaceId?: string
}

/** A connection's identity as the Platform API spells it, so the same connection always gets the same names, however it was asked for. */
export function namesAtHeroku(
  connection: VpnConnection,
  space: SpaceInfo,
  target: ConnectionTarget,
): ConnectionIdentity {
  return {
    connectionId: connection.id,
    name: connection.name ?? target.name,
    space: space.name ?? target.space,
    spaceId: space.id,
  }
}

/** Bits that differ for every (space id, connection id) pair, stable across runs; the names stand in for missing ids. */
function identityDigest(identity: ConnectionIdentity): Buffer {
  const key = JSON.stringify([identity.spaceId ?? identity.space, identity.connectionId ?? identity.name])
  return createHash('sha256').update(key).digest()
}

/**
 * The prefix of every name in the generated files: readable, and unique per connection even where two connections'
 * names read the same once cleaned (space `prod` with `eu-office`, space `prod-eu` with `office`), by 48 bits of
 * the connection's identity.
 */
function baseNameOf(identity: ConnectionIdentity): string {
  return `${gatewayName(identity.space, identity.name)}-${identityDigest(identity).toString('hex').slice(0, 12)}`
}

/**
 * Marks and interface names unique to one connection, so several connections (of several spaces) can share a
 * gateway: 36 bits of its identity in the interface names (15 characters at most), 28 in the marks.
 */
function tunnelIdentity(
  identity: ConnectionIdentity,
  number: number,
): {interfaceName: string; markIn: string; markOut: string} {
  const digest = identityDigest(identity)
  // the low 3 bits number the tunnel, the 4th tells outbound from inbound; bit 31 stays clear so no tool reads a mark as negative
  const base = digest.readUInt32BE(8) & 0x7f_ff_ff_f0
  return {
    interfaceName: `vti-${digest.toString('hex').slice(24, 33)}-${number}`,
    markIn: hex(base | number),
    markOut: hex(base | 0x8 | number),
  }
}

export interface PlanInput {
  readonly connection: VpnConnection
  /** --local-ip; absent, the IKE daemon picks the host's address. */
  readonly localIp?: string
  /** The space's and connection's ids and names as the Platform API returns them: they name everything generated. */
  readonly names: ConnectionIdentity
  /** What the user typed, for messages. */
  readonly target: ConnectionTarget
}

function quoted(value: unknown): string {
  return JSON.stringify(value) ?? String(value)
}

function tunnelProblems(tunnels: readonly VpnTunnel[]): string[] {
  const problems: string[] = []
  if (tunnels.length !== 2) problems.push(`the connection has ${tunnels.length} tunnels, not 2`)
  for (const [index, tunnel] of tunnels.entries()) {
    if (typeof tunnel.ip !== 'string' || !isIpv4(tunnel.ip))
      problems.push(`tunnel ${index + 1}'s IP ${quoted(tunnel.ip)} is not an IPv4 address`)
    if (typeof tunnel.pre_shared_key !== 'string' || tunnel.pre_shared_key === '')
      problems.push(`tunnel ${index + 1} has no pre-shared key`)
  }

  if (new Set(tunnels.map((tunnel) => tunnel.ip)).size < tunnels.length) problems.push('two tunnels have the same IP')
  return problems
}

/** The space's network is routed into the tunnels: one that is not private, or that holds your networks, would take over the host's own routes. */
function spaceNetworkProblems(spaceCidr: unknown, routableCidrs: readonly string[]): string[] {
  if (typeof spaceCidr !== 'string' || !isIpv4Network(spaceCidr))
    return [`the space CIDR ${quoted(spaceCidr)} is not an IPv4 network in CIDR notation`]
  if (!isPrivateNetwork(spaceCidr)) return [`the space CIDR ${spaceCidr} is not a private (RFC 1918) network`]
  return routableCidrs
    .filter((cidr) => isIpv4Network(cidr) && networksOverlap(cidr, spaceCidr))
    .map((cidr) => `the space CIDR ${spaceCidr} overlaps routable CIDR ${cidr}, one of your own networks`)
}

/** Values from the Platform API that would make a broken or unsafe configuration, in words. */
function findProblems(connection: VpnConnection): string[] {
  const problems = tunnelProblems(connection.tunnels ?? [])
  const cidrs = connection.routable_cidrs ?? []
  if (cidrs.length === 0) problems.push('the connection has no routable CIDRs')
  for (const cidr of cidrs) {
    if (typeof cidr !== 'string' || !isIpv4Network(cidr))
      problems.push(`routable CIDR ${quoted(cidr)} is not an IPv4 network in CIDR notation`)
  }

  problems.push(...spaceNetworkProblems(connection.space_cidr_block, cidrs))
  if (connection.ike_version !== 1 && connection.ike_version !== 2)
    problems.push(`IKE version ${quoted(connection.ike_version)} is neither 1 nor 2`)
  if (typeof connection.public_ip !== 'string' || !isIpv4(connection.public_ip)) {
    problems.push(`the gateway's public IP ${quoted(connection.public_ip)} is not an IPv4 address`)
  }

  return problems
}

/** The Platform API returned values no gateway configuration can be made from: see what it returned. */
export class UnusableConnectionError extends OperationError {
  constructor(message: string, target: ConnectionTarget) {
    super(message, [
      `See what the API returned with \`${connectionCommand('info', target.name, target.space, '--json')}\`.`,
    ])
  }
}

/**
 * Turns an active connection into what the gateway needs: two route-based tunnels, each one SA pair selecting
 * everything, the space routed through tunnel 1 while it is up and through tunnel 2 otherwise. Refuses (exit 1)
 * values that are not what the Platform API promises rather than writing them into a configuration file.
 */
export function planGateway(input: PlanInput): GatewayPlan {
  const {connection, names, target} = input
  const problems = findProblems(connection)
  if (problems.length > 0) {
    throw new UnusableConnectionError(
      listProblems(
        problems.map((problem) => `The Platform API says ${problem}.`),
        `No gateway configuration was written for VPN connection ${target.name} in space ${target.space}.`,
        "the connection's data",
      ),
      target,
    )
  }

  const baseName = baseNameOf(names)
  const ikeVersion = connection.ike_version as IkeVersion
  return {
    baseName,
    connectionName: names.name,
    deadPeer: {delaySeconds: DPD_DELAY_SECONDS, ...(ikeVersion === 1 ? {timeoutSeconds: DPD_TIMEOUT_SECONDS} : {})},
    identity: connection.public_ip!,
    ikeRetransmit: IKE_RETRANSMIT,
    ikeVersion,
    lifetimes: {
      childSeconds: CHILD_LIFETIME_SECONDS,
      ikeSeconds: IKE_LIFETIME_SECONDS,
      marginSeconds: REKEY_MARGIN_SECONDS,
    },
    localIp: input.localIp,
    proposal: PROPOSAL,
    reauthenticates: ikeVersion === 1,
    remoteSubnet: connection.space_cidr_block!,
    routableCidrs: connection.routable_cidrs!,
    space: names.space,
    trafficSelector: TRAFFIC_SELECTOR,
    tunnelMss: TUNNEL_MSS,
    tunnelMtu: TUNNEL_MTU,
    tunnels: connection.tunnels!.map((tunnel, index) => {
      const number = index + 1
      return {
        ...tunnelIdentity(names, number),
        ip: tunnel.ip!,
        name: `${baseName}-tunnel${number}`,
        preSharedKey: tunnel.pre_shared_key!,
        routeMetric: number * ROUTE_METRIC_STEP,
      }
    }),
  }
}

/** The first comment of every generated file: what it is for, in words safe in a comment. */
export function describePlan(plan: GatewayPlan, what: string): string {
  return `# ${what} for Heroku Private Space ${gatewayName(plan.space)}, VPN connection ${gatewayName(plan.connectionName)} (IKEv${plan.ikeVersion}): generated by heroku spaces:vpn:config`
}
