import type {VpnConnection} from '../api-types.js'
import type {ConnectionTarget} from '../context.js'

import {connectionCommand} from '../command-lines.js'
import {listProblems, OperationError} from '../errors.js'
import {isIpv4, isIpv4Network} from '../network.js'

/**
 * The IKE and ESP proposal: the article's aes256-sha2-modp2048 spelled the way strongSwan knows it ("sha2" is not
 * an algorithm keyword: strongSwan 5.9 drops a conn that uses it).
 */
export const PROPOSAL = 'aes256-sha256-modp2048'

/** The article's ikelifetime=28800s. */
export const IKE_LIFETIME_SECONDS = 28_800

/** The article's lifetime=1h. */
export const CHILD_LIFETIME_SECONDS = 3600

/** ipsec.conf's default margintime (9m): renewal starts this long, plus up to as long again, before expiry. */
export const REKEY_MARGIN_SECONDS = 540

export const DPD_DELAY_SECONDS = 10

/** Applies to IKEv1 only; IKEv2 detects a dead peer by its retransmission timeouts. */
export const DPD_TIMEOUT_SECONDS = 30

/** UDP ports the gateway's firewall must open towards the tunnel IPs (IKE, and IKE/ESP behind NAT). */
export const IKE_PORTS = [500, 4500] as const

export type IkeVersion = 1 | 2

/** One IPsec SA's worth of traffic: a set of local subnets to the space's network. */
export interface PlannedChild {
  readonly name: string
  readonly localSubnets: readonly string[]
}

export interface PlannedTunnel {
  /** 1 or 2, as the article's table numbers the tunnels. */
  readonly number: number
  /** Name of the tunnel's IKE connection. */
  readonly name: string
  /** The Private Space end of the tunnel: strongSwan's `right`. */
  readonly ip: string
  /** The pre-shared key written the way ipsec.secrets and swanctl.conf both read it back unchanged. */
  readonly secret: string
  readonly children: readonly PlannedChild[]
}

/** What a customer gateway needs for one VPN connection, shared by the ipsec.conf and swanctl.conf renderers. */
export interface GatewayPlan {
  readonly space: string
  readonly connectionName: string
  /** Prefix of every name in the generated files, unique per space and connection. */
  readonly baseName: string
  readonly ikeVersion: IkeVersion
  /** The VPN host's own address (`left`), which is the private one when the host is behind NAT. */
  readonly localIp: string
  /** The connection's routable CIDRs. */
  readonly localSubnets: readonly string[]
  /** The space's network. */
  readonly remoteSubnet: string
  readonly tunnels: readonly PlannedTunnel[]
}

export interface GatewayFileTarget {
  /** The file's name in --output-dir. */
  readonly name: string
  /** Where strongSwan reads it. */
  readonly destination: string
  /** Holds pre-shared keys, so only root may read it. */
  readonly secret: boolean
}

export interface GatewayFile extends GatewayFileTarget {
  readonly content: string
}

export interface GatewayConfig {
  readonly files: readonly GatewayFile[]
  /** How to install the files next to an existing configuration. */
  readonly install: string
  /** Commands that load the files into strongSwan. */
  readonly load: readonly string[]
  /** One command per IPsec SA, tunnel 1 first: the customer gateway is the one that initiates. */
  readonly initiate: readonly string[]
}

const UNSAFE_NAME_CHARACTERS = /[^A-Za-z0-9_-]+/g

/**
 * A name strongSwan accepts as an ipsec.conf conn, a swanctl.conf section and a word on a shell command line: dots
 * would split a swanctl.conf key, and `%`, quotes, braces or spaces mean something to one of them.
 */
export function gatewayName(...parts: readonly string[]): string {
  const words = parts.map((part) => part.replaceAll(UNSAFE_NAME_CHARACTERS, '-').replaceAll(/^-+|-+$/g, '')).filter((word) => word !== '')
  return words.length === 0 ? 'heroku-vpn' : words.join('-')
}

/** Characters a pre-shared key may have to be written in double quotes; anything else is written in base64. */
const QUOTABLE_SECRET = /^[A-Za-z0-9._+/=:@-]+$/

/**
 * A pre-shared key as an ipsec.secrets or swanctl.conf value. Neither file has a way to escape a double quote, and
 * swanctl.conf reads a value starting with 0x or 0s as hex or base64 even in quotes, so such keys are written in
 * the `0s` base64 form, which both read as the exact bytes.
 */
export function secretValue(preSharedKey: string): string {
  if (QUOTABLE_SECRET.test(preSharedKey) && !/^0[sx]/i.test(preSharedKey)) return `"${preSharedKey}"`
  return `0s${Buffer.from(preSharedKey, 'utf8').toString('base64')}`
}

export interface PlanInput {
  readonly target: ConnectionTarget
  readonly connection: VpnConnection
  /** --local-ip; the connection's public IP when absent. */
  readonly localIp?: string
}

function quoted(value: unknown): string {
  return JSON.stringify(value) ?? String(value)
}

/** Values from the Platform API that would make a broken or unsafe configuration, in words. */
function findProblems(connection: VpnConnection, localIp: string | undefined): string[] {
  const problems: string[] = []
  const tunnels = connection.tunnels ?? []
  for (const [index, tunnel] of tunnels.entries()) {
    if (typeof tunnel.ip !== 'string' || !isIpv4(tunnel.ip)) problems.push(`tunnel ${index + 1}'s IP ${quoted(tunnel.ip)} is not an IPv4 address`)
    if (typeof tunnel.pre_shared_key !== 'string' || tunnel.pre_shared_key === '') problems.push(`tunnel ${index + 1} has no pre-shared key`)
  }

  if (new Set(tunnels.map((tunnel) => tunnel.ip)).size < tunnels.length) problems.push('two tunnels have the same IP')
  const cidrs = connection.routable_cidrs ?? []
  if (cidrs.length === 0) problems.push('the connection has no routable CIDRs')
  for (const cidr of cidrs) {
    if (typeof cidr !== 'string' || !isIpv4Network(cidr)) problems.push(`routable CIDR ${quoted(cidr)} is not an IPv4 network in CIDR notation`)
  }

  const spaceCidr = connection.space_cidr_block
  if (typeof spaceCidr !== 'string' || !isIpv4Network(spaceCidr)) {
    problems.push(`the space CIDR ${quoted(spaceCidr)} is not an IPv4 network in CIDR notation`)
  }

  if (connection.ike_version !== 1 && connection.ike_version !== 2) problems.push(`IKE version ${quoted(connection.ike_version)} is neither 1 nor 2`)
  if (localIp === undefined && (typeof connection.public_ip !== 'string' || !isIpv4(connection.public_ip))) {
    problems.push(`the gateway's public IP ${quoted(connection.public_ip)} is not an IPv4 address (give --local-ip)`)
  }

  return problems
}

/**
 * IKEv1 negotiates one pair of subnets per IPsec SA (strongSwan silently keeps only the first of a list), so each
 * routable CIDR gets its own child there; IKEv2 carries them all in one.
 */
function childrenOf(tunnelName: string, ikeVersion: IkeVersion, cidrs: readonly string[]): PlannedChild[] {
  if (ikeVersion === 2 || cidrs.length === 1) return [{localSubnets: cidrs, name: tunnelName}]
  return cidrs.map((cidr, index) => ({localSubnets: [cidr], name: `${tunnelName}-net${index + 1}`}))
}

/**
 * Turns an active connection into what the gateway needs. Refuses (exit 1) values that are not what the Platform
 * API promises rather than writing them into a configuration file.
 */
export function planGateway(input: PlanInput): GatewayPlan {
  const {connection, target} = input
  const problems = findProblems(connection, input.localIp)
  if (problems.length > 0) {
    throw new OperationError(
      listProblems(
        problems.map((problem) => `The Platform API says ${problem}.`),
        `No gateway configuration was written for VPN connection ${target.name} in space ${target.space}.`,
        "the connection's data",
      ),
      [`See what the API returned with \`${connectionCommand('info', target.name, target.space, '--json')}\`.`],
    )
  }

  const connectionName = connection.name ?? target.name
  const baseName = gatewayName(target.space, connectionName)
  const ikeVersion = connection.ike_version as IkeVersion
  const localSubnets = connection.routable_cidrs!
  return {
    baseName,
    connectionName,
    ikeVersion,
    localIp: input.localIp ?? connection.public_ip!,
    localSubnets,
    remoteSubnet: connection.space_cidr_block!,
    space: target.space,
    tunnels: (connection.tunnels ?? []).map((tunnel, index) => {
      const name = `${baseName}-tunnel${index + 1}`
      return {children: childrenOf(name, ikeVersion, localSubnets), ip: tunnel.ip!, name, number: index + 1, secret: secretValue(tunnel.pre_shared_key!)}
    }),
  }
}

/** The first lines of every generated file: where it goes and what it is for, in words safe in a comment. */
export function fileHeader(destination: string, plan: GatewayPlan): string {
  return [
    `# ${destination}`,
    `# Heroku Private Space ${gatewayName(plan.space)}, VPN connection ${gatewayName(plan.connectionName)} (IKEv${plan.ikeVersion}): generated by heroku spaces:vpn:config`,
  ].join('\n')
}
