import {describe, expect, it} from 'vitest'

import {
  checkCidrsAgainstSpace,
  checkGatewayIp,
  checkLocalIp,
  checkRoutableCidrs,
  MAX_ROUTABLE_CIDRS,
  NON_PUBLIC_IPV4_RANGES,
  nonPublicRangeOf,
} from '../../src/lib/rules/network.js'

describe('checkGatewayIp', () => {
  it.each([
    ['52.91.173.226'],
    ['1.1.1.1'],
    ['100.63.255.255'],
    ['100.128.0.0'],
    ['172.15.255.255'],
    ['172.32.0.0'],
    ['192.167.255.255'],
    ['198.17.255.255'],
    ['198.20.0.0'],
    ['223.255.255.254'],
    [' 52.91.173.226 '],
  ])('accepts the public unicast address %s', (ip) => {
    expect(checkGatewayIp(ip)).toBeUndefined()
  })

  it.each([
    ['10.1.2.3', '10.0.0.0/8', 'private-use'],
    ['172.16.0.1', '172.16.0.0/12', 'private-use'],
    ['192.168.1.1', '192.168.0.0/16', 'private-use'],
    ['127.0.0.1', '127.0.0.0/8', 'loopback'],
    ['169.254.10.10', '169.254.0.0/16', 'link-local'],
    ['100.64.0.1', '100.64.0.0/10', 'carrier-grade NAT'],
    ['224.0.0.251', '224.0.0.0/4', 'multicast'],
    ['239.255.255.250', '224.0.0.0/4', 'multicast'],
    ['240.0.0.1', '240.0.0.0/4', 'reserved'],
    ['255.255.255.255', '255.255.255.255/32', 'broadcast'],
    ['0.0.0.0', '0.0.0.0/8', 'this network'],
    ['192.0.2.10', '192.0.2.0/24', 'documentation'],
    ['198.51.100.7', '198.51.100.0/24', 'documentation'],
    ['203.0.113.1', '203.0.113.0/24', 'documentation'],
    ['198.18.0.1', '198.18.0.0/15', 'benchmarking'],
    ['198.19.255.255', '198.18.0.0/15', 'benchmarking'],
    ['192.0.0.9', '192.0.0.0/24', 'IETF protocol assignments'],
    ['192.88.99.1', '192.88.99.0/24', '6to4'],
  ])('refuses %s and names the range %s (%s)', (ip, range, words) => {
    const problem = checkGatewayIp(ip)
    expect(problem).toContain(`--ip ${ip} is in ${range}`)
    expect(problem).toContain(words)
    expect(problem).toContain('public IPv4 address')
  })

  it.each([
    ['', 'is empty'],
    ['   ', 'is empty'],
    ['52.91.173', 'is not an IPv4 address'],
    ['52.91.173.256', 'is not an IPv4 address'],
    ['052.91.173.226', 'has a leading zero'],
    ['52.91.173.226.1', 'is not an IPv4 address'],
    ['gateway.example.com', 'is not an IPv4 address'],
    ['2001:db8::1', 'is an IPv6 address'],
    ['::ffff:52.91.173.226', 'is an IPv6 address'],
    ['52.91.173.0/24', 'is a network, not an address'],
  ])('refuses the malformed value %j: %s', (ip, words) => {
    const problem = checkGatewayIp(ip)
    expect(problem).toContain(words)
    expect(problem).toContain('52.91.173.226')
    if (ip.trim() !== '') expect(problem).toContain(`"${ip}"`)
  })
})

describe('nonPublicRangeOf', () => {
  it('finds every listed range at its first and last address', () => {
    for (const range of NON_PUBLIC_IPV4_RANGES) {
      const [network] = range.cidr.split('/')
      expect(nonPublicRangeOf(network!)?.cidr).toBe(range.cidr)
    }
  })
})

describe('checkLocalIp', () => {
  it.each([['172.16.0.2'], ['10.0.0.5'], ['52.91.173.226'], ['198.51.100.10']])('accepts the host address %s', (ip) => {
    expect(checkLocalIp(ip)).toBeUndefined()
  })

  it.each([
    ['127.0.0.1', 'loopback'],
    ['0.0.0.0', 'this network'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['172.16.0', 'is not an IPv4 address'],
    ['fe80::1', 'IPv6'],
  ])('refuses %s (%s)', (ip, words) => {
    const problem = checkLocalIp(ip)
    expect(problem).toContain('--local-ip')
    expect(problem).toContain(words)
  })
})

describe('checkRoutableCidrs', () => {
  it.each([
    ['172.16.0.0/16', ['172.16.0.0/16']],
    ['172.16.0.0/16,192.168.10.0/24', ['172.16.0.0/16', '192.168.10.0/24']],
    [' 172.16.0.0/16 , 192.168.10.0/24 ', ['172.16.0.0/16', '192.168.10.0/24']],
    ['10.0.0.0/8', ['10.0.0.0/8']],
    ['172.16.0.0/12', ['172.16.0.0/12']],
    ['192.168.0.0/16', ['192.168.0.0/16']],
    ['192.168.1.7/32', ['192.168.1.7/32']],
    ['10.2.0.0/16,10.3.0.0/16', ['10.2.0.0/16', '10.3.0.0/16']],
  ])('accepts %j', (input, cidrs) => {
    expect(checkRoutableCidrs(input)).toEqual({cidrs, problems: []})
  })

  it.each([
    ['', ['--cidrs is empty']],
    [' , ', ['--cidrs is empty']],
    ['172.16.0.0/16,,192.168.1.0/24', ['has an empty item at position 2']],
    ['172.16.0.0/16,', ['has an empty item at position 2']],
    ['172.16.0.0', ['"172.16.0.0" has no prefix length', '172.16.0.0/32']],
    ['172.16.0.0/33', ['"172.16.0.0/33" has prefix length /33', 'from 0 to 32']],
    ['172.16.0.0/016', ['has prefix length /016']],
    ['172.16.0.300/24', ['"172.16.0.300/24" is not in CIDR notation']],
    ['172.16/16', ['"172.16/16" is not in CIDR notation']],
    ['office', ['"office" is not in CIDR notation', '172.16.0.0/16']],
    ['fd00::/8', ['"fd00::/8" is IPv6']],
    ['172.16.5.1/16', ['"172.16.5.1/16" has host bits set: did you mean 172.16.0.0/16?']],
    ['192.168.1.129/25', ['did you mean 192.168.1.128/25?']],
    ['8.8.8.0/24', ['"8.8.8.0/24" is not a private network', '10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16']],
    ['172.0.0.0/8', ['"172.0.0.0/8" is not a private network']],
    ['192.168.0.0/15', ['"192.168.0.0/15" is not a private network']],
    ['100.64.0.0/10', ['"100.64.0.0/10" is not a private network']],
    ['172.16.0.0/16,172.16.5.0/24', ['"172.16.5.0/24" overlaps "172.16.0.0/16"']],
    ['172.16.5.0/24,172.16.0.0/16', ['"172.16.5.0/24" overlaps "172.16.0.0/16"']],
    ['172.16.0.0/16,172.16.0.0/16', ['"172.16.0.0/16" is listed more than once']],
    [
      '172.16.0.0/8',
      ['"172.16.0.0/8" has host bits set, and 172.0.0.0/8 is not a private network', 'e.g. 172.16.0.0/12'],
    ],
    ['172.016.0.0/16', ['"172.016.0.0" has a leading zero']],
    ['8.8.8.1/24', ['has host bits set and is not a private network']],
    ['172.16.0.0/16 192.168.1.0/24', ['contains spaces: separate networks with commas']],
  ])('refuses %j', (input, fragments) => {
    const {problems} = checkRoutableCidrs(input)
    expect(problems).toHaveLength(1)
    for (const fragment of fragments) expect(problems[0]).toContain(fragment)
  })

  it('reports a network repeated 3,000 times once, and refuses a list longer than the cap without checking each item', () => {
    expect(
      checkRoutableCidrs(Array.from({length: MAX_ROUTABLE_CIDRS}, () => '172.16.0.0/16').join(',')).problems,
    ).toEqual(['--cidrs: "172.16.0.0/16" is listed more than once: list each network once'])
    const long = Array.from({length: 3000}, () => '172.16.0.0/16').join(',')
    expect(checkRoutableCidrs(long).problems).toEqual([
      expect.stringContaining(`--cidrs lists 3000 networks: a VPN connection takes at most ${MAX_ROUTABLE_CIDRS}`),
    ])
  })

  it('checks the longest list allowed with nested networks quickly, naming each overlapping network once', () => {
    const nested = Array.from({length: MAX_ROUTABLE_CIDRS}, (_, index) => `10.${index}.0.0/16`)
    nested[MAX_ROUTABLE_CIDRS - 1] = '10.0.0.0/8'
    const started = performance.now()
    const {problems} = checkRoutableCidrs(nested.join(','))
    expect(performance.now() - started).toBeLessThan(500)
    expect(problems).toHaveLength(MAX_ROUTABLE_CIDRS - 1)
    expect(problems[0]).toBe('--cidrs: "10.0.0.0/16" overlaps "10.0.0.0/8", which contains it: list each network once')
  })

  it('reports every bad item at once', () => {
    const {problems} = checkRoutableCidrs('8.8.8.0/24,172.16.0.1/16,,192.168.1.0/24,192.168.1.0/25')
    expect(problems).toHaveLength(4)
  })
})

describe('checkCidrsAgainstSpace', () => {
  const defaults = {cidr: '10.0.0.0/16', dataCidr: '10.1.0.0/16', spaceName: 'acme-space'}

  it('accepts networks clear of every block of the space', () => {
    expect(checkCidrsAgainstSpace(['172.16.0.0/16', '10.2.0.0/16', '192.168.0.0/16'], defaults)).toEqual({
      problems: [],
      warnings: [],
    })
  })

  it.each([
    ['10.0.0.0/16', '10.0.0.0/16, the network of space acme-space'],
    ['10.0.128.0/20', '10.0.0.0/16, the network of space acme-space'],
    ['10.0.0.0/8', '10.0.0.0/16, the network of space acme-space'],
    ['172.17.0.0/16', '172.17.0.0/16, which every Private Space uses'],
    ['172.17.3.0/24', '172.17.0.0/16, which every Private Space uses'],
    ['172.16.0.0/12', '172.17.0.0/16, which every Private Space uses'],
  ])('refuses %s: it overlaps %s', (cidr, words) => {
    const {problems, warnings} = checkCidrsAgainstSpace([cidr], defaults)
    expect(problems).toEqual([expect.stringContaining(`"${cidr}" overlaps ${words}`)])
    expect(problems[0]).toContain('choose a block outside 10.0.0.0/16 and 172.17.0.0/16')
    expect(warnings).toEqual([])
  })

  it('uses the blocks the space reports, not the defaults', () => {
    const custom = {cidr: '10.20.0.0/16', dataCidr: '10.21.0.0/16', spaceName: 'custom'}
    expect(checkCidrsAgainstSpace(['10.0.0.0/16', '10.1.0.0/16'], custom)).toEqual({problems: [], warnings: []})
    expect(checkCidrsAgainstSpace(['10.20.5.0/24'], custom).problems).toEqual([
      expect.stringContaining('10.20.0.0/16, the network of space custom'),
    ])
  })

  it('warns about the data services block and names it', () => {
    const {problems, warnings} = checkCidrsAgainstSpace(['10.1.4.0/24', '172.16.0.0/16'], defaults)
    expect(problems).toEqual([])
    expect(warnings).toEqual([
      expect.stringContaining('"10.1.4.0/24" overlaps 10.1.0.0/16, the data services block of space acme-space'),
    ])
    expect(warnings[0]).toContain('reserved once Heroku data services are added')
  })
})
