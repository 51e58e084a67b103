import type {ConnectionTarget} from '../api/types.js'
import type {Finding, Skipped, TunnelSummary} from './report.js'

import {isIpv4, isPrivateNetwork, networksOverlap} from '../rules/network.js'
import {connectionCommand, shellWord} from '../ui/command-lines.js'
import {type DoctorHost, textOf} from './host.js'
import {type InstalledFormat} from './installed.js'
import {
  type CharonSa,
  type NftCondition,
  type NftDropRule,
  parseIpsecStatusAll,
  parseIptablesRules,
  parseNftDrops,
  parseSwanctlConns,
  parseSwanctlSas,
  parseSysctl,
  parseXfrm,
  parseXfrmStat,
  type XfrmEntry,
} from './parse.js'

/** A tunnel as doctor checks it on the host: its IKE connection's name, the far end's address, its interface. */
export interface HostTunnel {
  /** Heroku's status and message, when the API was asked. */
  readonly heroku?: {readonly message?: string; readonly status?: string}
  readonly interfaceName?: string
  readonly ip?: string
  readonly name: string
  readonly number: number
}

/** What the running checks need beyond the host: the tunnels, the networks, the MSS the updown script clamps to. */
export interface RunningInput {
  /** Milliseconds between the two reads of the IPsec error counters. */
  readonly counterIntervalMs: number
  readonly format: InstalledFormat
  /** The host address the files name (local_addrs, left), if any. */
  readonly localIp?: string
  readonly mss: number
  readonly mtu: number
  readonly routableCidrs: readonly string[]
  readonly spaceCidr?: string
  readonly target: ConnectionTarget
  readonly tunnels: readonly HostTunnel[]
}

/**
 * What a growing counter of /proc/net/xfrm_stat means on a route-based gateway, and what to do about it. Counters
 * not listed here are reported by name.
 */
export const XFRM_COUNTER_MEANINGS: Readonly<Record<string, {readonly fix: string; readonly meaning: string}>> = {
  XfrmInNoPols: {
    fix: 'sudo sysctl -w net.ipv4.conf.IFACE.disable_policy=1 on the tunnel interfaces',
    meaning: 'decrypted packets match no inbound policy',
  },
  XfrmInNoStates: {
    fix: 'sudo swanctl --list-sas (or sudo ipsec statusall): bring the tunnel down and up again so both ends hold the same SAs',
    meaning: 'ESP arrives for SAs this host does not hold (the far end kept SAs this host dropped)',
  },
  XfrmInStateProtoError: {
    fix: 'restart the tunnel so that fresh keys are negotiated: sudo swanctl --terminate --ike NAME; sudo swanctl --initiate --child NAME',
    meaning: 'ESP fails its integrity check (keys out of step)',
  },
  XfrmInTmplMismatch: {
    fix: 'sudo sysctl -w net.ipv4.conf.IFACE.disable_policy=1 for the interface the ESP arrives on',
    meaning: 'inbound packets fail the IPsec policy check: replies on the tunnel the host did not send on are dropped',
  },
  XfrmOutNoStates: {
    fix: 'sudo swanctl --initiate --child NAME (or sudo ipsec up NAME) for the tunnel that is down',
    meaning: 'traffic is routed into a tunnel that has no SA',
  },
  XfrmOutPolBlock: {
    fix: 'sudo ip xfrm policy list: remove policies that block traffic',
    meaning: 'outbound packets are dropped by a blocking policy',
  },
}

/** Counters that count normal events (a rekey's overlap), not faults. */
const HARMLESS_COUNTERS = new Set(['XfrmAcquireError', 'XfrmInStateExpired', 'XfrmOutStateExpired'])

/** The line of a tool's output that says what went wrong, past the plugin warnings charon's tools print first. */
export function telling(
  result: undefined | {readonly code: number; readonly stderr: string; readonly stdout: string},
  tool: string,
): string {
  if (result === undefined) return `${tool} is not installed`
  const lines = `${result.stderr}\n${result.stdout}`
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^plugin '[^']*': failed to load/.test(line))
  return (
    lines.find((line) => /connect|fail|error|denied|not running/i.test(line)) ??
    lines[0] ??
    `nothing printed (exit ${result.code})`
  )
}

interface Collector {
  readonly findings: Finding[]
  readonly skipped: Skipped[]
}

function add(collector: Collector, finding: Omit<Finding, 'view'>): void {
  collector.findings.push({...finding, view: 'running'})
}

function needsRoot(host: DoctorHost, collector: Collector, check: string): boolean {
  if (host.isRoot) return false
  collector.skipped.push({check, reason: 'needs root (run it with sudo)'})
  return true
}

interface CharonState {
  readonly loaded?: ReadonlySet<string>
  readonly sas: readonly CharonSa[]
}

/** charon's connections and SAs, as the installed format's tool shows them; undefined when charon is not running. */
async function readCharon(
  host: DoctorHost,
  input: RunningInput,
  collector: Collector,
): Promise<CharonState | undefined> {
  if (input.format === 'swanctl') {
    const sas = await host.run('swanctl', ['--list-sas', '--raw'])
    if (sas === undefined || sas.code !== 0) {
      add(collector, {
        evidence: `swanctl --list-sas: ${telling(sas, 'swanctl')}`,
        fix: 'sudo systemctl start strongswan',
        id: 'charon-not-running',
        problem: 'charon (strongSwan) is not running: both tunnels are DOWN',
        severity: 'critical',
      })
      return undefined
    }

    const conns = await host.run('swanctl', ['--list-conns', '--raw'])
    return {
      loaded: conns?.code === 0 ? new Set(parseSwanctlConns(conns.stdout)) : undefined,
      sas: parseSwanctlSas(sas.stdout),
    }
  }

  const status = await host.run('ipsec', ['statusall'])
  if (status === undefined || status.code !== 0 || !status.stdout.includes('Status of IKE charon daemon')) {
    add(collector, {
      evidence: `ipsec statusall: ${telling(status, 'ipsec')}`,
      fix: 'sudo ipsec start',
      id: 'charon-not-running',
      problem: 'charon (strongSwan) is not running: both tunnels are DOWN',
      severity: 'critical',
    })
    return undefined
  }

  const parsed = parseIpsecStatusAll(status.stdout)
  return {loaded: new Set(parsed.loaded), sas: parsed.sas}
}

export function charonTunnelState(sas: readonly CharonSa[], name: string): TunnelSummary['charon'] {
  const own = sas.filter((sa) => sa.name === name)
  if (own.some((sa) => sa.state === 'ESTABLISHED' && sa.children.some((child) => child.state === 'INSTALLED')))
    return 'up'
  return own.length > 0 ? 'connecting' : 'down'
}

/** How charon holds a tunnel that is not up, in words: `IKE SA ESTABLISHED, no IPsec SA installed`. */
function saWords(sas: readonly CharonSa[], name: string): string {
  const own = sas.filter((sa) => sa.name === name)
  if (own.length === 0) return `no IKE SA for ${name}`
  const [sa] = own
  const children = sa!.children.map((child) => child.state)
  return `${name} IKE SA ${sa!.state}, ${children.length === 0 ? 'no IPsec SA installed' : `IPsec SA ${children.join(', ')}`}`
}

function startCommand(format: InstalledFormat, name: string): string {
  return format === 'swanctl'
    ? `sudo swanctl --initiate --child ${shellWord(name)}`
    : `sudo ipsec up ${shellWord(name)}`
}

function restartCommand(format: InstalledFormat, name: string): string {
  return format === 'swanctl'
    ? `sudo swanctl --terminate --ike ${shellWord(name)}; sudo swanctl --initiate --child ${shellWord(name)}`
    : `sudo ipsec down ${shellWord(name)}; sudo ipsec up ${shellWord(name)}`
}

function checkCharon(
  input: RunningInput,
  charon: CharonState,
  kernel: readonly XfrmEntry[] | undefined,
  collector: Collector,
): Map<number, TunnelSummary['charon']> {
  const states = new Map<number, TunnelSummary['charon']>()
  for (const tunnel of input.tunnels) {
    const state = charonTunnelState(charon.sas, tunnel.name)
    states.set(tunnel.number, state)
    const heroku = tunnel.heroku?.status
    const herokuWords = heroku
      ? `; Heroku: ${heroku}${tunnel.heroku?.message ? ` (${tunnel.heroku.message})` : ''}`
      : ''
    if (charon.loaded && !charon.loaded.has(tunnel.name)) {
      add(collector, {
        evidence: `${input.format === 'swanctl' ? 'swanctl --list-conns' : 'ipsec statusall'} does not list ${tunnel.name}${herokuWords}`,
        fix:
          input.format === 'swanctl'
            ? 'sudo swanctl --load-all (it names the setting it refuses)'
            : 'sudo ipsec reload, then journalctl -u strongswan-starter -n 30 to see what charon refused',
        id: 'tunnel-not-loaded',
        problem: "charon has not loaded this tunnel's configuration: it is DOWN",
        severity: 'error',
        tunnel: tunnel.number,
      })
      continue
    }

    if (state !== 'up') {
      add(collector, {
        evidence: `charon: ${saWords(charon.sas, tunnel.name)}${herokuWords}`,
        fix: `${startCommand(input.format, tunnel.name)}, and read why it fails: journalctl -u ${input.format === 'swanctl' ? 'strongswan' : 'strongswan-starter'} -n 50`,
        id: 'tunnel-down',
        problem: 'the tunnel is not established in charon',
        severity: 'error',
        tunnel: tunnel.number,
      })
      continue
    }

    if (kernel && tunnel.ip && !kernel.some((sa) => sa.dst === tunnel.ip)) {
      add(collector, {
        evidence: `charon holds ${tunnel.name} up; ip xfrm state has no SA to ${tunnel.ip}`,
        fix: restartCommand(input.format, tunnel.name),
        id: 'kernel-sa-missing',
        problem: 'charon holds the tunnel up but the kernel has no IPsec SA for it: nothing passes',
        severity: 'error',
        tunnel: tunnel.number,
      })
      continue
    }

    if (heroku === 'DOWN') {
      add(collector, {
        evidence: `charon: ${tunnel.name} ESTABLISHED, SA INSTALLED${herokuWords}`,
        fix: restartCommand(input.format, tunnel.name),
        id: 'up-here-down-at-heroku',
        problem: 'the tunnel is up in charon but DOWN at Heroku: the far end never installed it',
        severity: 'error',
        tunnel: tunnel.number,
      })
    }
  }

  return states
}

interface IpLink {
  readonly ifname: string
  readonly linkinfo?: {readonly info_kind?: string}
  readonly mtu?: number
  readonly operstate?: string
}

interface IpRoute {
  readonly dev?: string
  readonly dst?: string
  readonly gateway?: string
  readonly metric?: number
  readonly prefsrc?: string
  readonly table?: string
}

interface IpAddr {
  readonly addr_info?: ReadonlyArray<{readonly family?: string; readonly local?: string; readonly prefixlen?: number}>
  readonly ifname: string
}

async function ipJson<T>(host: DoctorHost, args: readonly string[]): Promise<T[] | undefined> {
  const result = await host.run('ip', ['-json', ...args])
  if (result === undefined || result.code !== 0) return undefined
  try {
    const parsed: unknown = JSON.parse(result.stdout || '[]')
    return Array.isArray(parsed) ? (parsed as T[]) : undefined
  } catch {
    return undefined
  }
}

function routeLine(route: IpRoute): string {
  return [
    route.dst,
    route.gateway && `via ${route.gateway}`,
    route.dev && `dev ${route.dev}`,
    route.metric !== undefined && `metric ${route.metric}`,
    route.table && `table ${route.table}`,
  ]
    .filter(Boolean)
    .join(' ')
}

/** The first address inside a network, as a host there: 10.0.0.0/16 gives 10.0.0.1. */
export function hostInside(cidr: string): string {
  const [address] = cidr.split('/')
  const parts = address!.split('.').map(Number)
  parts[3] = (parts[3] ?? 0) + 1
  return parts.join('.')
}

/** The network an address with its prefix length is in: 192.168.1.7/24 gives 192.168.1.0/24. */
export function networkOf(address: string, prefixlen: number): string {
  const value = address.split('.').reduce((total, part) => total * 256 + Number(part), 0)
  const size = 2 ** (32 - prefixlen)
  const base = value - (value % size)
  return `${[24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256).join('.')}/${prefixlen}`
}

async function checkInterfacesAndRoutes(
  host: DoctorHost,
  input: RunningInput,
  up: readonly HostTunnel[],
  collector: Collector,
): Promise<void> {
  const links = (await ipJson<IpLink>(host, ['-details', 'link', 'show'])) ?? []
  for (const tunnel of up) {
    if (!tunnel.interfaceName) continue
    const link = links.find((entry) => entry.ifname === tunnel.interfaceName)
    if (!link) {
      add(collector, {
        evidence: `ip link show has no ${tunnel.interfaceName}; its log: /run/heroku-spaces-vpn/${tunnel.interfaceName}.log`,
        fix: restartCommand(input.format, tunnel.name),
        id: 'tunnel-interface-missing',
        problem: 'the tunnel is up but its interface is missing: the updown script did not run or failed',
        severity: 'error',
        tunnel: tunnel.number,
      })
    } else if (link.mtu !== undefined && link.mtu > input.mtu) {
      add(collector, {
        evidence: `${tunnel.interfaceName} mtu ${link.mtu}`,
        fix: `sudo ip link set ${tunnel.interfaceName} mtu ${input.mtu}`,
        id: 'tunnel-mtu',
        problem: `the tunnel interface's MTU is above ${input.mtu}: AWS drops larger packets without a word`,
        severity: 'error',
        tunnel: tunnel.number,
      })
    }
  }

  const tunnelInterfaces = new Set(input.tunnels.map((tunnel) => tunnel.interfaceName).filter(Boolean))
  const table220 = (await ipJson<IpRoute>(host, ['route', 'show', 'table', '220'])) ?? []
  if (table220.length > 0) {
    add(collector, {
      evidence: `ip route show table 220: ${routeLine(table220[0]!)}`,
      fix: 'install the charon settings (install_routes = no) that config writes, restart strongSwan, then sudo ip route flush table 220',
      id: 'charon-routes',
      problem: "charon's own routes (table 220) are back: they send traffic around the tunnel interfaces",
      severity: 'error',
    })
  }

  if (input.spaceCidr && up.length > 0 && tunnelInterfaces.size > 0) {
    const target = hostInside(input.spaceCidr)
    const [route] = (await ipJson<IpRoute>(host, ['route', 'get', target])) ?? []
    if (route?.dev && !tunnelInterfaces.has(route.dev)) {
      add(collector, {
        evidence: `ip route get ${target}: ${routeLine({...route, dst: target})}`,
        fix: `find the route with ip route show match ${target} and ip rule, and delete the one that is not through ${[...tunnelInterfaces].join(' or ')} (sudo ip route del ...)`,
        id: 'space-route-bypass',
        problem: `traffic to the space (${input.spaceCidr}) bypasses the tunnels`,
        severity: 'critical',
      })
    }
  }
}

async function checkSysctls(host: DoctorHost, up: readonly HostTunnel[], collector: Collector): Promise<void> {
  const sysctl = async (path: string) => parseSysctl(textOf(await host.readFile(`/proc/sys/net/ipv4/${path}`)))
  if ((await sysctl('ip_forward')) === 0) {
    add(collector, {
      evidence: 'net.ipv4.ip_forward = 0',
      fix: 'sudo sysctl -w net.ipv4.ip_forward=1 (and install the sysctl file config writes, for the next boot)',
      id: 'forwarding-off',
      problem: 'IPv4 forwarding is off: this host reaches the space, your LAN does not',
      severity: 'error',
    })
  }

  const all = (await sysctl('conf/all/rp_filter')) ?? 0
  const espInterfaces = new Set<string>()
  for (const tunnel of up) {
    if (tunnel.ip) {
      const [route] = (await ipJson<IpRoute>(host, ['route', 'get', tunnel.ip])) ?? []
      if (route?.dev) espInterfaces.add(route.dev)
    }

    if (!tunnel.interfaceName) continue
    const own = await sysctl(`conf/${tunnel.interfaceName}/rp_filter`)
    if (own === undefined) continue // no interface: reported by the interface check
    // the kernel applies the larger of the two
    if (Math.max(all, own) === 1) {
      add(collector, {
        evidence: `net.ipv4.conf.all.rp_filter = ${all}, net.ipv4.conf.${tunnel.interfaceName}.rp_filter = ${own}`,
        fix: `sudo sysctl -w net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.${tunnel.interfaceName}.rp_filter=2`,
        id: 'rp-filter-strict',
        problem: 'strict reverse-path filtering drops the replies AWS sends by the other tunnel',
        severity: 'error',
        tunnel: tunnel.number,
      })
    }

    if ((await sysctl(`conf/${tunnel.interfaceName}/disable_policy`)) !== 1) {
      add(collector, {
        evidence: `net.ipv4.conf.${tunnel.interfaceName}.disable_policy = 0`,
        fix: `sudo sysctl -w net.ipv4.conf.${tunnel.interfaceName}.disable_policy=1`,
        id: 'policy-check-on',
        problem: 'the IPsec policy check is on for the tunnel interface: what arrives through it is dropped',
        severity: 'error',
        tunnel: tunnel.number,
      })
    }
  }

  for (const name of espInterfaces) {
    if ((await sysctl(`conf/${name}/disable_policy`)) === 0) {
      add(collector, {
        evidence: `net.ipv4.conf.${name}.disable_policy = 0 (${name} carries the ESP)`,
        fix: `sudo sysctl -w net.ipv4.conf.${name}.disable_policy=1`,
        id: 'policy-check-on',
        problem:
          'the IPsec policy check is on for the interface that carries the tunnels: replies on the tunnel this host did not send on are dropped',
        severity: 'error',
      })
    }
  }
}

function mssRule(direction: '-i' | '-o', name: string, mss: number): string {
  return `-A FORWARD ${direction} ${name} -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss ${mss}`
}

/** Rules of the filter table that drop IKE (UDP 500, 4500) or ESP, towards a tunnel IP or towards any. */
function blockingRules(rules: readonly string[], tunnelIp: string): string[] {
  return rules.filter((rule) => {
    if (!/-j (DROP|REJECT)\b/.test(rule) || !/^-A (INPUT|OUTPUT|FORWARD)\b/.test(rule)) return false
    const otherAddress = /-[sd] (\d+\.\d+\.\d+\.\d+)(\/32)?\b/.exec(rule)
    if (otherAddress && otherAddress[1] !== tunnelIp) return false
    const ike = /-p udp\b/.test(rule) && /--(dport|sport|dports|sports) \S*\b(500|4500)\b/.test(rule)
    const esp = /-p (esp|50)\b/.test(rule)
    const everything = otherAddress !== null && !/-p /.test(rule)
    return ike || esp || everything
  })
}

async function checkFirewall(
  host: DoctorHost,
  input: RunningInput,
  up: readonly HostTunnel[],
  collector: Collector,
): Promise<void> {
  const mangle = await host.run('iptables', ['-w', '-t', 'mangle', '-S', 'FORWARD'])
  if (mangle === undefined) {
    const nft = await host.run('nft', ['list', 'tables'])
    if (nft === undefined) {
      collector.skipped.push({
        check: 'the firewall (MSS clamp, IKE and ESP)',
        reason: 'neither iptables nor nft is installed',
      })
      return
    }

    for (const tunnel of up) {
      if (!tunnel.interfaceName || nft.stdout.includes(`heroku-vpn-${tunnel.interfaceName}`)) continue
      add(collector, {
        evidence: `nft list tables has no table ip heroku-vpn-${tunnel.interfaceName}`,
        fix: restartCommand(input.format, tunnel.name),
        id: 'mss-clamp-missing',
        problem: `TCP through the tunnel is not clamped to MSS ${input.mss}: small requests work, large transfers hang`,
        severity: 'error',
        tunnel: tunnel.number,
      })
    }

    await checkNftDrops(host, input, collector, new Set())
    return
  }

  const rules = parseIptablesRules(mangle.stdout)
  for (const tunnel of up) {
    if (!tunnel.interfaceName) continue
    const missing = (['-o', '-i'] as const).filter(
      (direction) => !rules.includes(mssRule(direction, tunnel.interfaceName!, input.mss)),
    )
    if (missing.length === 0) continue
    add(collector, {
      evidence: `iptables -t mangle -S FORWARD has no TCPMSS rule ${missing.map((direction) => `${direction} ${tunnel.interfaceName}`).join(', ')}`,
      fix: missing
        .map(
          (direction) =>
            `sudo iptables -t mangle -A FORWARD ${direction} ${tunnel.interfaceName} -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss ${input.mss}`,
        )
        .join('; '),
      id: 'mss-clamp-missing',
      problem: `TCP through the tunnel is not clamped to MSS ${input.mss}: small requests work, large transfers hang`,
      severity: 'error',
      tunnel: tunnel.number,
    })
  }

  const filter = await host.run('iptables', ['-w', '-S'])
  const filterRules = filter?.code === 0 ? parseIptablesRules(filter.stdout) : []
  const blocked = new Set<number>()
  for (const tunnel of input.tunnels) {
    if (!tunnel.ip) continue
    const [rule] = blockingRules(filterRules, tunnel.ip)
    if (rule === undefined) continue
    blocked.add(tunnel.number)
    addFirewallBlock(collector, tunnel, `iptables -S: ${rule}`, `sudo iptables ${rule.replace(/^-A /, '-D ')}`)
  }

  await checkNftDrops(host, input, collector, blocked)
}

function addFirewallBlock(collector: Collector, tunnel: HostTunnel, evidence: string, fix: string): void {
  add(collector, {
    evidence,
    fix,
    id: 'firewall-blocks-tunnel',
    problem: `this host's firewall drops IKE (UDP 500/4500) or ESP of the tunnel to ${tunnel.ip}: it stays DOWN, charon retransmits`,
    severity: 'error',
    tunnel: tunnel.number,
  })
}

/** The fields of a tunnel's IKE (UDP 500 and 4500) and ESP packets, leaving this host or reaching it, as nft names them. */
function tunnelPackets(ip: string, direction: 'in' | 'out'): Array<ReadonlyMap<string, number | string>> {
  const address = direction === 'out' ? 'ip daddr' : 'ip saddr'
  const ike = [500, 4500].map(
    (port) =>
      new Map<string, number | string>([
        ['ip protocol', 'udp'],
        ['meta l4proto', 'udp'],
        ['meta nfproto', 'ipv4'],
        ['th dport', port],
        ['th sport', port],
        ['udp dport', port],
        ['udp sport', port],
        [address, ip],
      ]),
  )
  const esp = new Map<string, number | string>([
    ['ip protocol', 'esp'],
    ['meta l4proto', 'esp'],
    ['meta nfproto', 'ipv4'],
    [address, ip],
  ])
  return [...ike, esp]
}

const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {esp: 50, udp: 17}

function nftValueHas(value: NftCondition['value'], field: number | string): boolean {
  if (Array.isArray(value)) return value.some((member) => nftValueHas(member, field))
  if (typeof value === 'string' && value.includes('/') && typeof field === 'string')
    return isIpv4(field) && networksOverlap(value, `${field}/32`)
  return value === field || value === PROTOCOL_NUMBERS[String(field)]
}

/** Whether a packet with these fields meets every condition; a condition on a field it lacks is not met. */
function nftMatches(conditions: readonly NftCondition[], packet: ReadonlyMap<string, number | string>): boolean {
  return conditions.every((condition) => {
    const field = packet.get(condition.field)
    if (field === undefined) return false
    const has = nftValueHas(condition.value, field)
    return condition.op === '!=' ? !has : has
  })
}

function shownNftValue(value: NftCondition['value']): string {
  return Array.isArray(value) ? `{ ${value.join(', ')} }` : String(value)
}

function describeNftRule(rule: NftDropRule): string {
  const matches = rule.conditions.map(
    ({field, op, value}) => `${field} ${op === '==' || op === 'in' ? '' : `${op} `}${shownNftValue(value)}`,
  )
  return `table ${rule.family} ${rule.table} chain ${rule.chain}: ${[...matches, rule.verdict].join(' ')} # handle ${rule.handle}`
}

/** nftables rules (nft's own, and iptables-nft's) that drop a tunnel's IKE or ESP, for tunnels iptables -S did not explain. */
async function checkNftDrops(
  host: DoctorHost,
  input: RunningInput,
  collector: Collector,
  explained: ReadonlySet<number>,
): Promise<void> {
  const ruleset = await host.run('nft', ['-j', 'list', 'ruleset'])
  if (ruleset === undefined) return
  if (ruleset.code !== 0) {
    const reason = ruleset.stderr.trim().split('\n')[0] || `nft exited with ${ruleset.code}`
    collector.skipped.push({check: 'nftables rules that drop IKE or ESP', reason})
    return
  }

  const drops = parseNftDrops(ruleset.stdout)
  for (const tunnel of input.tunnels) {
    if (!tunnel.ip || explained.has(tunnel.number)) continue
    const rule = drops.find((drop) => {
      const directions: Array<'in' | 'out'> =
        drop.hook === undefined
          ? ['out', 'in']
          : NFT_HOOK_DIRECTIONS[drop.hook]
            ? [NFT_HOOK_DIRECTIONS[drop.hook]!]
            : []
      return directions.some((direction) =>
        tunnelPackets(tunnel.ip!, direction).some((packet) => nftMatches(drop.conditions, packet)),
      )
    })
    if (rule === undefined) continue
    addFirewallBlock(
      collector,
      tunnel,
      `nft: ${describeNftRule(rule)}`,
      `sudo nft delete rule ${rule.family} ${rule.table} ${rule.chain} handle ${rule.handle}`,
    )
  }
}

/** The hooks a tunnel's own packets pass: this host sends and receives them, it does not forward them. */
const NFT_HOOK_DIRECTIONS: Readonly<Record<string, 'in' | 'out'>> = {
  input: 'in',
  output: 'out',
  postrouting: 'out',
  prerouting: 'in',
}

async function checkCounters(host: DoctorHost, input: RunningInput, collector: Collector): Promise<void> {
  const read = async () => {
    const text = textOf(await host.readFile('/proc/net/xfrm_stat'))
    return text === undefined ? undefined : parseXfrmStat(text)
  }

  const before = await read()
  if (before === undefined) {
    collector.skipped.push({check: 'the IPsec error counters', reason: '/proc/net/xfrm_stat cannot be read'})
    return
  }

  await host.sleep(input.counterIntervalMs)
  const after = (await read()) ?? before
  for (const [counter, value] of after) {
    const grown = value - (before.get(counter) ?? value)
    if (grown <= 0 || HARMLESS_COUNTERS.has(counter)) continue
    const known = XFRM_COUNTER_MEANINGS[counter]
    add(collector, {
      evidence: `${counter} grew by ${grown} in ${input.counterIntervalMs / 1000} s (/proc/net/xfrm_stat)`,
      fix: known?.fix ?? 'sudo ip -s xfrm state; sudo ip xfrm policy: look for the SA or policy the packets miss',
      id: `xfrm-${counter}`,
      problem: known ? `IPsec drops packets: ${known.meaning}` : `IPsec drops packets (${counter})`,
      severity: 'error',
    })
  }
}

async function checkAddresses(host: DoctorHost, input: RunningInput, collector: Collector): Promise<void> {
  const addresses = await ipJson<IpAddr>(host, ['-4', 'addr', 'show'])
  if (addresses === undefined) return
  const own = addresses.flatMap((entry) =>
    (entry.addr_info ?? [])
      .filter((info) => info.local && info.prefixlen !== undefined)
      .map((info) => ({...info, ifname: entry.ifname})),
  )
  if (input.localIp && !own.some((info) => info.local === input.localIp)) {
    add(collector, {
      evidence: `the files say ${input.localIp}; this host has ${[...new Set(own.map((info) => info.local))].join(', ')}`,
      fix: "generate the files again with --local-ip set to this host's own address (the private one behind NAT), or without it",
      id: 'local-ip-not-host',
      problem: "the local address in the files is not one of this host's: the tunnels never come up",
      severity: 'critical',
    })
  }

  if (input.routableCidrs.length === 0) return
  const tunnelInterfaces = new Set(input.tunnels.map((tunnel) => tunnel.interfaceName))
  const routes = (await ipJson<IpRoute>(host, ['route', 'show', 'default'])) ?? []
  const wan = new Set(routes.map((route) => route.dev))
  for (const info of own) {
    if (info.ifname === 'lo' || tunnelInterfaces.has(info.ifname) || wan.has(info.ifname)) continue
    const network = networkOf(info.local!, info.prefixlen!)
    if (!isPrivateNetwork(network) || input.routableCidrs.some((cidr) => networksOverlap(cidr, network))) continue
    if (input.spaceCidr && networksOverlap(input.spaceCidr, network)) continue
    add(collector, {
      evidence: `${info.ifname} has ${info.local}/${info.prefixlen}; routable CIDRs: ${input.routableCidrs.join(', ')}`,
      fix: `${connectionCommand('update', input.target.name, input.target.space, '--cidrs', [...input.routableCidrs, network].join(','))} (then generate and install the files again)`,
      id: 'lan-not-routable',
      problem: `the network ${network} is not among the connection's routable CIDRs: hosts there get no answers from the space`,
      severity: 'warning',
    })
  }
}

/** The running view: charon, the kernel's SAs, interfaces, routes, settings, firewall and counters. */
export async function checkRunning(
  host: DoctorHost,
  input: RunningInput,
  collector: Collector,
): Promise<Map<number, TunnelSummary['charon']>> {
  const rootOnly = needsRoot(host, collector, "charon's SAs, the kernel's SAs and the firewall")
  let states = new Map<number, TunnelSummary['charon']>()
  let up: HostTunnel[] = []
  if (!rootOnly) {
    const charon = await readCharon(host, input, collector)
    const xfrm = await host.run('ip', ['xfrm', 'state', 'list'])
    const kernel = xfrm?.code === 0 ? parseXfrm(xfrm.stdout) : undefined
    if (charon) {
      states = checkCharon(input, charon, kernel, collector)
      up = input.tunnels.filter((tunnel) => states.get(tunnel.number) === 'up')
    }
  }

  await checkInterfacesAndRoutes(host, input, up, collector)
  await checkSysctls(host, up, collector)
  if (!rootOnly) await checkFirewall(host, input, up, collector)
  await checkAddresses(host, input, collector)
  await checkCounters(host, input, collector)
  return states
}
