import {describe, expect, it} from 'vitest'

import type {VpnConnection} from '../../src/lib/api-types.js'

import {ExitCode} from '../../src/lib/exit-codes.js'
import {gatewayName, type GatewayPlan, planGateway, type PlanInput, secretValue} from '../../src/lib/strongswan/gateway-plan.js'
import {ipsecGateway, renderIpsecConf, renderIpsecSecrets} from '../../src/lib/strongswan/ipsec-conf.js'
import {renderSwanctlConf, swanctlGateway} from '../../src/lib/strongswan/swanctl-conf.js'
import {tunnel, vpnConnection} from '../support/fixtures.js'

const target = {name: 'office', space: 'acme-space'}
const TWO_CIDRS = ['172.16.0.0/16', '192.168.10.0/24']

function plan(overrides: Partial<VpnConnection> = {}, input: Partial<PlanInput> = {}): GatewayPlan {
  return planGateway({connection: vpnConnection(overrides), target, ...input})
}

function refusal(overrides: Partial<VpnConnection>): Error & {exitCode: number; suggestions: string[]} {
  try {
    plan(overrides)
  } catch (error) {
    return error as Error & {exitCode: number; suggestions: string[]}
  }

  throw new Error('planGateway accepted the connection')
}

describe('generated gateway configuration (golden files)', () => {
  it("renders the article's sample values: IKEv1, one routable CIDR, the VPN host at 172.16.0.2 behind NAT", async () => {
    const article = plan({}, {localIp: '172.16.0.2'})
    await expect(renderIpsecConf(article)).toMatchFileSnapshot('golden/article.ipsec.conf')
    await expect(renderIpsecSecrets(article)).toMatchFileSnapshot('golden/article.ipsec.secrets')
    await expect(renderSwanctlConf(article)).toMatchFileSnapshot('golden/article.swanctl.conf')
  })

  it.each([
    ['ikev1-two-cidrs', {ike_version: 1, routable_cidrs: TWO_CIDRS}],
    ['ikev2-one-cidr', {ike_version: 2}],
    ['ikev2-two-cidrs', {ike_version: 2, routable_cidrs: TWO_CIDRS}],
  ])('renders %s in both formats', async (name, overrides) => {
    const gateway = plan(overrides)
    await expect(renderIpsecConf(gateway)).toMatchFileSnapshot(`golden/${name}.ipsec.conf`)
    await expect(renderSwanctlConf(gateway)).toMatchFileSnapshot(`golden/${name}.swanctl.conf`)
  })
})

describe('gateway plan', () => {
  it('gives IKEv1 one child per routable CIDR in each tunnel, and IKEv2 one child for all of them', () => {
    const children = (overrides: Partial<VpnConnection>) => plan(overrides).tunnels.map((t) => t.children.map((c) => [c.name, c.localSubnets.join()]))
    expect(children({ike_version: 1, routable_cidrs: TWO_CIDRS})).toEqual([
      [['acme-space-office-tunnel1-net1', '172.16.0.0/16'], ['acme-space-office-tunnel1-net2', '192.168.10.0/24']],
      [['acme-space-office-tunnel2-net1', '172.16.0.0/16'], ['acme-space-office-tunnel2-net2', '192.168.10.0/24']],
    ])
    expect(children({ike_version: 2, routable_cidrs: TWO_CIDRS})).toEqual([
      [['acme-space-office-tunnel1', '172.16.0.0/16,192.168.10.0/24']],
      [['acme-space-office-tunnel2', '172.16.0.0/16,192.168.10.0/24']],
    ])
    expect(children({ike_version: 1})).toEqual([[['acme-space-office-tunnel1', '172.16.0.0/16']], [['acme-space-office-tunnel2', '172.16.0.0/16']]])
  })

  it("uses the connection's public IP as the local address unless --local-ip says otherwise", () => {
    expect(plan().localIp).toBe('52.91.173.226')
    expect(plan({}, {localIp: '172.16.0.2'}).localIp).toBe('172.16.0.2')
  })

  it('initiates every child, tunnel 1 first, with the command of each format', () => {
    const gateway = plan({ike_version: 1, routable_cidrs: TWO_CIDRS})
    expect(ipsecGateway(gateway).initiate).toEqual([
      'sudo ipsec up acme-space-office-tunnel1-net1',
      'sudo ipsec up acme-space-office-tunnel1-net2',
      'sudo ipsec up acme-space-office-tunnel2-net1',
      'sudo ipsec up acme-space-office-tunnel2-net2',
    ])
    expect(swanctlGateway(gateway).initiate[0]).toBe('sudo swanctl --initiate --child acme-space-office-tunnel1-net1')
  })

  it('names everything after the space and the connection, so two spaces with an "office" can share a gateway', () => {
    const names = (space: string) => {
      const gateway = planGateway({connection: vpnConnection({ike_version: 1, routable_cidrs: TWO_CIDRS}), target: {name: 'office', space}})
      const conf = renderIpsecConf(gateway) + renderSwanctlConf(gateway)
      return new Set([...conf.matchAll(/^(?:conn (\S+)| +(\S+) \{)$/gm)].map((match) => match[1] ?? match[2]))
    }

    const acme = names('acme-space')
    const other = names('other-space')
    const shared = [...acme].filter((name) => other.has(name))
    expect(shared.sort()).toEqual(['children', 'local', 'remote'])
  })
})

describe('names', () => {
  it.each([
    [['acme-space', 'office'], 'acme-space-office'],
    [['acme-space', 'my office.v2'], 'acme-space-my-office-v2'],
    [['acme', 'a/b{c}"d"%e'], 'acme-a-b-c-d-e'],
    [['acme', 'Office_1'], 'acme-Office_1'],
    [['acme', '..'], 'acme'],
    [['', '%%'], 'heroku-vpn'],
  ])('%j becomes %s', (parts, name) => {
    expect(gatewayName(...parts)).toBe(name)
  })

  it('keeps unusual characters of a connection name out of names and comments alike', () => {
    const gateway = planGateway({connection: vpnConnection({name: 'bad\nconn x'}), target: {name: 'bad\nconn x', space: 'acme-space'}})
    const conf = renderIpsecConf(gateway)
    expect(conf).toContain('VPN connection bad-conn-x (IKEv1)')
    expect(conf).toContain('conn acme-space-bad-conn-x-tunnel1\n')
    expect(conf).not.toMatch(/^conn x/m)
  })
})

describe('pre-shared keys', () => {
  it.each([
    ['abcdef12345', '"abcdef12345"'],
    ['Az09._+/=:@-', '"Az09._+/=:@-"'],
    ['a "quoted" key', '0sYSAicXVvdGVkIiBrZXk='],
    ['back\\slash', '0sYmFja1xzbGFzaA=='],
    ['white space', '0sd2hpdGUgc3BhY2U='],
    ['tab\tnewline\n', '0sdGFiCW5ld2xpbmUK'],
    ['clé', '0sY2zDqQ=='],
    ['#hash', '0sI2hhc2g='],
    ['0x1234', '0sMHgxMjM0'],
    ['0sQUJD', '0sMHNRVUpE'],
  ])('%j is written as %s', (key, written) => {
    expect(secretValue(key)).toBe(written)
    if (written.startsWith('0s')) expect(Buffer.from(written.slice(2), 'base64').toString('utf8')).toBe(key)
  })

  it('puts one line per tunnel IP in ipsec.secrets and one secret per tunnel in swanctl.conf', () => {
    const gateway = plan({tunnels: [tunnel({pre_shared_key: 'say "hi"'}), tunnel({ip: '34.227.70.143', pre_shared_key: '123456abcdef'})]})
    expect(renderIpsecSecrets(gateway).split('\n').filter((line) => line.includes('PSK'))).toEqual([
      '34.203.187.158 : PSK 0sc2F5ICJoaSI=',
      '34.227.70.143 : PSK "123456abcdef"',
    ])
    expect(renderSwanctlConf(gateway)).toMatch(/ike-acme-space-office-tunnel1 \{\n {4}id = 34\.203\.187\.158\n {4}secret = 0sc2F5ICJoaSI=\n/)
  })
})

describe('values from the Platform API that cannot go into a configuration', () => {
  it.each([
    ['a tunnel IP that is not IPv4', {tunnels: [tunnel({ip: '34.203.187.158\nconn evil'}), tunnel({ip: '34.227.70.143'})]}, `tunnel 1's IP "34.203.187.158\\nconn evil" is not an IPv4 address`],
    ['an IPv6 tunnel IP', {tunnels: [tunnel({ip: '2001:db8::1'}), tunnel({ip: '34.227.70.143'})]}, 'is not an IPv4 address'],
    ['a missing tunnel IP', {tunnels: [tunnel({ip: undefined}), tunnel({ip: '34.227.70.143'})]}, `tunnel 1's IP undefined`],
    ['two tunnels with one IP', {tunnels: [tunnel(), tunnel()]}, 'two tunnels have the same IP'],
    ['an empty pre-shared key', {tunnels: [tunnel({pre_shared_key: ''}), tunnel({ip: '34.227.70.143'})]}, 'tunnel 1 has no pre-shared key'],
    ['a routable CIDR that is not a CIDR', {routable_cidrs: ['172.16.0.0/16', '192.168.10.0/24 leftsubnet=0.0.0.0/0']}, 'routable CIDR "192.168.10.0/24 leftsubnet=0.0.0.0/0" is not an IPv4 network'],
    ['a routable CIDR with host bits', {routable_cidrs: ['172.16.0.1/16']}, 'routable CIDR "172.16.0.1/16"'],
    ['no routable CIDRs', {routable_cidrs: []}, 'has no routable CIDRs'],
    ['a space CIDR that is not a CIDR', {space_cidr_block: '10.0.0.0/33'}, 'the space CIDR "10.0.0.0/33"'],
    ['an unknown IKE version', {ike_version: 3}, 'IKE version 3 is neither 1 nor 2'],
    ['a public IP that is not IPv4, with no --local-ip', {public_ip: 'gateway.example'}, `the gateway's public IP "gateway.example"`],
  ])('refuses %s (exit 1), naming it', (_case, overrides, words) => {
    const error = refusal(overrides as Partial<VpnConnection>)
    expect(error.exitCode).toBe(ExitCode.failed)
    expect(error.message).toContain(words)
    expect(error.message).toContain('No gateway configuration was written for VPN connection office in space acme-space.')
    expect(error.suggestions.join()).toContain('heroku spaces:vpn:info office --space acme-space --json')
  })

  it('lists every problem at once', () => {
    const error = refusal({ike_version: 7, space_cidr_block: 'nope'})
    expect(error.message.split('\n').filter((line) => line.startsWith('- '))).toHaveLength(2)
  })
})
