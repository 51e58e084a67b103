import IPCIDR from 'ip-cidr'

import {shortened} from '../errors.js'

/** The private-use blocks of RFC 1918: the only networks a VPN connection may route. */
export const RFC1918_BLOCKS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] as const

/** The block a Private Space uses unless it was created with another one. */
export const DEFAULT_SPACE_CIDR = '10.0.0.0/16'

/** Every Private Space uses this block besides its own CIDR. */
const ALWAYS_RESERVED_SPACE_BLOCK = '172.17.0.0/16'

/** Reserved for Heroku data services once they are added to a space, unless the space reports another block. */
export const DEFAULT_DATA_CIDR = '10.1.0.0/16'

const EXAMPLE_CIDRS = '172.16.0.0/16,192.168.10.0/24'
const EXAMPLE_PUBLIC_IP = '52.91.173.226'

export interface SpecialPurposeRange {
  readonly cidr: string
  readonly purpose: string
}

/**
 * IPv4 ranges that are not public unicast (IANA special-purpose registry, RFC 6890), most specific first.
 * A VPN gateway's address must lie outside all of them.
 */
export const NON_PUBLIC_IPV4_RANGES: readonly SpecialPurposeRange[] = [
  {cidr: '0.0.0.0/8', purpose: '"this network" (RFC 791), not a usable address'},
  {cidr: '10.0.0.0/8', purpose: 'a private-use network (RFC 1918)'},
  {cidr: '100.64.0.0/10', purpose: 'the shared address space used for carrier-grade NAT (RFC 6598)'},
  {cidr: '127.0.0.0/8', purpose: 'the loopback network (RFC 1122)'},
  {cidr: '169.254.0.0/16', purpose: 'the link-local network (RFC 3927)'},
  {cidr: '172.16.0.0/12', purpose: 'a private-use network (RFC 1918)'},
  {cidr: '192.0.0.0/24', purpose: 'the IETF protocol assignments block (RFC 6890)'},
  {cidr: '192.0.2.0/24', purpose: 'a documentation network, TEST-NET-1 (RFC 5737)'},
  {cidr: '192.88.99.0/24', purpose: 'the deprecated 6to4 relay anycast block (RFC 7526)'},
  {cidr: '192.168.0.0/16', purpose: 'a private-use network (RFC 1918)'},
  {cidr: '198.18.0.0/15', purpose: 'the benchmarking network (RFC 2544)'},
  {cidr: '198.51.100.0/24', purpose: 'a documentation network, TEST-NET-2 (RFC 5737)'},
  {cidr: '203.0.113.0/24', purpose: 'a documentation network, TEST-NET-3 (RFC 5737)'},
  {cidr: '224.0.0.0/4', purpose: 'the multicast range (RFC 5771)'},
  {cidr: '255.255.255.255/32', purpose: 'the limited broadcast address (RFC 919)'},
  {cidr: '240.0.0.0/4', purpose: 'the reserved range (RFC 1112)'},
]

const OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`
const IPV4_PATTERN = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`)
const CIDR_PATTERN = /^([^/]+)\/(\d+)$/

export function isIpv4(text: string): boolean {
  return IPV4_PATTERN.test(text)
}

/** An IPv4 network in CIDR notation with no host bits set, e.g. 10.0.0.0/16. */
export function isIpv4Network(text: string): boolean {
  const match = CIDR_PATTERN.exec(text)
  if (!match || !isIpv4(match[1]!) || !/^(?:[12]?\d|3[0-2])$/.test(match[2]!)) return false
  return new IPCIDR(text).start() === match[1]
}

/** The special-purpose range an IPv4 address falls in, if any. */
export function nonPublicRangeOf(ip: string): SpecialPurposeRange | undefined {
  return NON_PUBLIC_IPV4_RANGES.find((range) => new IPCIDR(range.cidr).contains(ip))
}

function describeMalformedAddress(flag: string, value: string, example: string): string {
  if (value.includes(':'))
    return `${flag} "${shortened(value)}" is an IPv6 address: an IPv4 address is needed, e.g. ${example}`
  if (value.includes('/'))
    return `${flag} "${shortened(value)}" is a network, not an address: give one IPv4 address, e.g. ${example}`
  const leadingZero = malformedIpv4Reason(value)
  if (leadingZero) return `${flag} ${leadingZero}`
  return `${flag} "${shortened(value)}" is not an IPv4 address: expected four numbers from 0 to 255 separated by dots, e.g. ${example}`
}

/** Problems with the customer gateway's address: it must be a public unicast IPv4 address. */
export function checkGatewayIp(value: string): string | undefined {
  const ip = value.trim()
  if (ip === '')
    return `--ip is empty: give the static public IPv4 address of your VPN gateway, e.g. ${EXAMPLE_PUBLIC_IP}`
  if (!isIpv4(ip)) return describeMalformedAddress('--ip', ip, EXAMPLE_PUBLIC_IP)
  const range = nonPublicRangeOf(ip)
  if (range) {
    return `--ip ${ip} is in ${range.cidr}, ${range.purpose}: the VPN gateway must be reachable from the Internet at a static public IPv4 address`
  }

  return undefined
}

/** The ranges a VPN host's own (possibly private, behind NAT) address can never be in. */
const NOT_A_HOST_ADDRESS = new Set(['0.0.0.0/8', '127.0.0.0/8', '224.0.0.0/4', '240.0.0.0/4', '255.255.255.255/32'])

/** Problems with the VPN host's local address used in generated gateway configurations. */
export function checkLocalIp(value: string): string | undefined {
  const ip = value.trim()
  if (!isIpv4(ip)) return describeMalformedAddress('--local-ip', ip, '172.16.0.2')
  const range = nonPublicRangeOf(ip)
  if (range && NOT_A_HOST_ADDRESS.has(range.cidr)) {
    return `--local-ip ${ip} is in ${range.cidr}, ${range.purpose}: give the address of your VPN host, e.g. 172.16.0.2`
  }

  return undefined
}

interface ParsedCidr {
  readonly block: IPCIDR
  readonly first: bigint
  readonly last: bigint
  readonly text: string
}

function overlaps(a: IPCIDR, b: IPCIDR): boolean {
  return a.contains(b.start()) || b.contains(a.start())
}

/** Two IPv4 networks in CIDR notation share an address. */
export function networksOverlap(a: string, b: string): boolean {
  return overlaps(new IPCIDR(a), new IPCIDR(b))
}

/** An IPv4 network in CIDR notation that lies inside one RFC 1918 block. */
export function isPrivateNetwork(cidr: string): boolean {
  const block = new IPCIDR(cidr)
  return RFC1918_BLOCKS.some((rfc1918) => isInside(block, new IPCIDR(rfc1918)))
}

function isInside(inner: IPCIDR, outer: IPCIDR): boolean {
  return outer.contains(inner.start()) && outer.contains(inner.end())
}

/**
 * How many routable CIDRs one connection takes at most. Heroku publishes no limit; the article says Heroku VPN is AWS
 * Site-to-Site VPN, whose quota on routes a VPN connection on a virtual private gateway takes from the customer side
 * is 100.
 */
export const MAX_ROUTABLE_CIDRS = 100

const LEADING_ZERO_OCTET = /(?:^|\.)0\d/

/** Why an address written in dotted-quad form is not one, or undefined when it is. */
function malformedIpv4Reason(address: string): string | undefined {
  if (isIpv4(address)) return undefined
  if (/^\d+(?:\.\d+){3}$/.test(address) && LEADING_ZERO_OCTET.test(address)) {
    return `"${shortened(address)}" has a leading zero: write each number without leading zeros (some tools read them as octal)`
  }

  return undefined
}

/** The RFC 1918 block an address lies in, if any. */
function rfc1918BlockOf(address: string): IPCIDR | undefined {
  return RFC1918_BLOCKS.map((block) => new IPCIDR(block)).find((block) => block.contains(address))
}

function prefixOf(block: IPCIDR): number {
  return Number(block.toString().split('/')[1])
}

/** Host bits set: the network meant, when that is private, or the shortest private prefix for the address. */
function hostBitsProblem(text: string, address: string, prefix: number): string {
  const meant = new IPCIDR(`${address}/${prefix}`)
  const meantText = `${meant.start()}/${prefix}`
  if (RFC1918_BLOCKS.some((block) => isInside(meant, new IPCIDR(block))))
    return `--cidrs: "${shortened(text)}" has host bits set: did you mean ${meantText}?`
  const block = rfc1918BlockOf(address)
  if (block === undefined) {
    return `--cidrs: "${shortened(text)}" has host bits set and is not a private network: each CIDR must lie inside one RFC 1918 block (${RFC1918_BLOCKS.join(', ')})`
  }

  const shortest = prefixOf(block)
  return `--cidrs: "${shortened(text)}" has host bits set, and ${meantText} is not a private network: inside ${block.toString()} the prefix must be /${shortest} or longer, e.g. ${new IPCIDR(`${address}/${shortest}`).start()}/${shortest}`
}

function parseCidr(text: string): ParsedCidr | string {
  const match = CIDR_PATTERN.exec(text)
  if (text.includes(':'))
    return `--cidrs: "${shortened(text)}" is IPv6: routable CIDRs must be IPv4 networks from RFC 1918`
  if (/\s/.test(text)) {
    return `--cidrs: "${shortened(text)}" contains spaces: separate networks with commas, not spaces, e.g. ${EXAMPLE_CIDRS}`
  }

  if (!match) {
    if (isIpv4(text)) {
      return `--cidrs: "${shortened(text)}" has no prefix length: write ${text}/32 for one host, or the network, e.g. 172.16.0.0/16`
    }

    const leadingZero = malformedIpv4Reason(text)
    if (leadingZero) return `--cidrs: ${leadingZero}`
    return `--cidrs: "${shortened(text)}" is not in CIDR notation: expected an IPv4 network such as 172.16.0.0/16`
  }

  const [, address, prefixText] = match as unknown as [string, string, string]
  if (!isIpv4(address)) {
    const leadingZero = malformedIpv4Reason(address)
    if (leadingZero) return `--cidrs: "${shortened(text)}": ${leadingZero}`
    return `--cidrs: "${shortened(text)}" is not in CIDR notation: "${shortened(address)}" is not an IPv4 address (four numbers from 0 to 255 separated by dots)`
  }

  const prefix = Number(prefixText)
  if (prefix > 32 || (prefixText.length > 1 && prefixText.startsWith('0'))) {
    return `--cidrs: "${shortened(text)}" has prefix length /${shortened(prefixText)}: it must be a number from 0 to 32, without leading zeros`
  }

  const block = new IPCIDR(text)
  if (block.start() !== address) return hostBitsProblem(text, address, prefix)
  return {
    block,
    first: block.start({type: 'bigInteger'}),
    last: block.end({type: 'bigInteger'}),
    text,
  }
}

export interface RoutableCidrCheck {
  /** The networks as the user wrote them, trimmed, in order. */
  readonly cidrs: readonly string[]
  readonly problems: readonly string[]
}

/**
 * Each repeated network once, and each network that overlaps another once, naming the widest network it lies in.
 * Sorted by start (wider first on a tie) and swept once: CIDRs either nest or are apart, so a network overlaps an
 * earlier one exactly when it lies inside the one reaching furthest so far.
 */
function listOverlaps(parsed: readonly ParsedCidr[]): string[] {
  const problems: string[] = []
  const seen = new Set<string>()
  const distinct: ParsedCidr[] = []
  const repeated = new Set<string>()
  for (const cidr of parsed) {
    if (seen.has(cidr.text)) repeated.add(cidr.text)
    else distinct.push(cidr)
    seen.add(cidr.text)
  }

  for (const text of repeated)
    problems.push(`--cidrs: "${shortened(text)}" is listed more than once: list each network once`)
  const sorted = [...distinct].sort((a, b) =>
    a.first === b.first ? Number(b.last - a.last) : a.first < b.first ? -1 : 1,
  )
  let widest: ParsedCidr | undefined
  for (const cidr of sorted) {
    if (widest !== undefined && cidr.first <= widest.last) {
      problems.push(
        `--cidrs: "${shortened(cidr.text)}" overlaps "${shortened(widest.text)}", which contains it: list each network once`,
      )
    } else {
      widest = cidr
    }
  }

  return problems
}

/** The rules that need nothing but the list itself: notation, RFC 1918, length, no repeats or overlaps. */
export function checkRoutableCidrs(input: string): RoutableCidrCheck {
  const items = input.split(',').map((item) => item.trim())
  if (items.every((item) => item === '')) {
    return {
      cidrs: [],
      problems: [`--cidrs is empty: give one or more RFC 1918 networks separated by commas, e.g. ${EXAMPLE_CIDRS}`],
    }
  }

  const cidrs = items.filter((item) => item !== '')
  if (cidrs.length > MAX_ROUTABLE_CIDRS) {
    return {
      cidrs,
      problems: [
        `--cidrs lists ${cidrs.length} networks: a VPN connection takes at most ${MAX_ROUTABLE_CIDRS}; summarise neighbouring networks into wider ones`,
      ],
    }
  }

  const problems: string[] = []
  const parsed: ParsedCidr[] = []
  for (const [index, item] of items.entries()) {
    if (item === '') {
      problems.push(
        `--cidrs "${shortened(input)}" has an empty item at position ${index + 1}: separate networks with single commas, e.g. ${EXAMPLE_CIDRS}`,
      )
      continue
    }

    const result = parseCidr(item)
    if (typeof result === 'string') {
      problems.push(result)
    } else if (isPrivateNetwork(item)) {
      parsed.push(result)
    } else {
      problems.push(
        `--cidrs: "${shortened(item)}" is not a private network: each CIDR must lie inside one RFC 1918 block (${RFC1918_BLOCKS.join(', ')})`,
      )
    }
  }

  return {cidrs, problems: [...problems, ...listOverlaps(parsed)]}
}

/** The blocks of one space that a VPN connection must stay out of. */
export interface SpaceBlocks {
  readonly cidr: string
  readonly dataCidr: string
  readonly spaceName: string
}

export interface SpaceCidrCheck {
  readonly problems: readonly string[]
  readonly warnings: readonly string[]
}

/** The rules that need the space: its own blocks are refused, its data services block is warned about. */
export function checkCidrsAgainstSpace(cidrs: readonly string[], space: SpaceBlocks): SpaceCidrCheck {
  const spaceBlock = new IPCIDR(space.cidr)
  const reserved = new IPCIDR(ALWAYS_RESERVED_SPACE_BLOCK)
  const dataBlock = new IPCIDR(space.dataCidr)
  const avoid = `choose a block outside ${space.cidr} and ${ALWAYS_RESERVED_SPACE_BLOCK}`
  const problems: string[] = []
  const warnings: string[] = []
  for (const text of cidrs) {
    const block = new IPCIDR(text)
    if (overlaps(block, spaceBlock)) {
      problems.push(
        `--cidrs: "${shortened(text)}" overlaps ${space.cidr}, the network of space ${space.spaceName}: ${avoid}`,
      )
    } else if (overlaps(block, reserved)) {
      problems.push(
        `--cidrs: "${shortened(text)}" overlaps ${ALWAYS_RESERVED_SPACE_BLOCK}, which every Private Space uses: ${avoid}`,
      )
    } else if (overlaps(block, dataBlock)) {
      warnings.push(
        `"${shortened(text)}" overlaps ${space.dataCidr}, the data services block of space ${space.spaceName}: it is reserved once Heroku data services are added to the space, and then traffic to it will not reach your network`,
      )
    }
  }

  return {problems, warnings}
}
