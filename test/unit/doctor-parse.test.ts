import {describe, expect, it} from 'vitest'

import {
  decodeSecret,
  parseIpsecConf,
  parseIpsecSecrets,
  parseIpsecStatusAll,
  parseIptablesRules,
  parseNftDrops,
  parseSwanctlConf,
  parseSwanctlConns,
  parseSwanctlSas,
  parseSysctl,
  parseXfrm,
  parseXfrmStat,
} from '../../src/lib/doctor/parse.js'
import {charonTunnelState, hostInside, networkOf, telling} from '../../src/lib/doctor/running.js'
import {captured, establishedSa, xfrmPair} from '../support/doctor-host.js'

const BASE = 'acme-space-office-0123456789ab'

describe('swanctl --raw (captured)', () => {
  it('--list-conns: the names of the loaded connections, a value with a space in it notwithstanding', () => {
    expect(parseSwanctlConns(captured('swanctl-list-conns.raw'))).toEqual([`${BASE}-tunnel1`, `${BASE}-tunnel2`])
  })

  it('--list-sas: an IKE SA established whose CHILD_SA was refused, and a tunnel whose authentication failed', () => {
    const sas = parseSwanctlSas(captured('swanctl-list-sas-auth-failed.raw'))
    expect(sas).toEqual([{children: [], name: `${BASE}-tunnel1`, remoteHost: '198.51.100.1', state: 'ESTABLISHED'}])
    expect(charonTunnelState(sas, `${BASE}-tunnel1`)).toBe('connecting')
    expect(charonTunnelState(sas, `${BASE}-tunnel2`)).toBe('down')
  })

  it('--list-sas with IKEv1: both IKE SAs, a list value among them', () => {
    const sas = parseSwanctlSas(captured('swanctl-list-sas-ikev1-no-child.raw'))
    expect(sas.map((sa) => [sa.name, sa.state, sa.remoteHost])).toEqual([
      ['aws2', 'ESTABLISHED', '198.51.100.2'],
      ['aws1', 'ESTABLISHED', '198.51.100.2'],
    ])
  })

  it('--list-sas of a tunnel that is up: its CHILD_SA INSTALLED', () => {
    const sas = parseSwanctlSas(establishedSa(`${BASE}-tunnel1`, '34.203.187.158', 3))
    expect(sas).toEqual([
      {
        children: [{name: `${BASE}-tunnel1`, state: 'INSTALLED'}],
        name: `${BASE}-tunnel1`,
        remoteHost: '34.203.187.158',
        state: 'ESTABLISHED',
      },
    ])
    expect(charonTunnelState(sas, `${BASE}-tunnel1`)).toBe('up')
  })
})

describe('ipsec statusall (captured)', () => {
  it('the loaded conns without SAs, the base conn (auto=ignore) not among them', () => {
    expect(parseIpsecStatusAll(captured('ipsec-statusall-none.txt'))).toEqual({
      loaded: [`${BASE}-tunnel1`, `${BASE}-tunnel2`],
      sas: [],
    })
  })

  it('IKE SAs established without a CHILD_SA', () => {
    const {sas} = parseIpsecStatusAll(captured('ipsec-statusall-ike-only.txt'))
    expect(sas.map((sa) => [sa.name, sa.state, sa.remoteHost, sa.children.length])).toEqual([
      [`${BASE}-tunnel2`, 'ESTABLISHED', '198.51.100.3', 0],
      [`${BASE}-tunnel1`, 'ESTABLISHED', '198.51.100.1', 0],
    ])
  })

  it('a CHILD_SA INSTALLED under its IKE SA', () => {
    const text = `${captured('ipsec-statusall-ike-only.txt')}${BASE}-tunnel1{1}:  INSTALLED, TUNNEL, reqid 1, ESP SPIs: c5d2ae1b_i cc5ab9b4_o\n${BASE}-tunnel1{1}:  AES_CBC_256/HMAC_SHA2_256_128/MODP_2048, 0 bytes_i, 0 bytes_o, rekeying in 45 minutes\n`
    const {sas} = parseIpsecStatusAll(text)
    expect(charonTunnelState(sas, `${BASE}-tunnel1`)).toBe('up')
    expect(charonTunnelState(sas, `${BASE}-tunnel2`)).toBe('connecting')
  })
})

describe('iptables -S (captured)', () => {
  it("keeps the rules, in iptables' own spelling of the updown script's MSS rules", () => {
    expect(parseIptablesRules(captured('iptables-mangle-forward.txt'))).toEqual([
      '-A FORWARD -o vti-012345678-1 -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1379',
      '-A FORWARD -i vti-012345678-1 -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1379',
    ])
    expect(parseIptablesRules(captured('iptables-filter-drops.txt'))).toHaveLength(2)
  })
})

describe('nft -j list ruleset (captured)', () => {
  it('the rules that drop or reject, with what each matches; not those with a limit, nor accepts', () => {
    const drops = parseNftDrops(captured('nft-ruleset.json'))
    expect(drops.map((rule) => `${rule.family} ${rule.table} ${rule.chain} ${rule.handle} ${rule.hook}`)).toEqual([
      'inet filter output 4 output',
      'inet filter output 5 output',
      'inet filter output 7 output',
      'inet filter input 8 input',
      'ip filter OUTPUT 2 output',
    ])
    expect(drops[2]!.conditions).toEqual([
      {field: 'ip daddr', op: '==', value: '34.203.187.0/24'},
      {field: 'udp dport', op: '==', value: [500, 4500]},
    ])
    expect(drops[1]!.conditions[0]).toEqual({field: 'meta oifname', op: '==', value: 'eth9'})
  })

  it('nothing from what is not its JSON', () => {
    expect(parseNftDrops('table inet filter {')).toEqual([])
    expect(parseNftDrops('{"nftables": {}}')).toEqual([])
    expect(parseNftDrops('{"nftables": [null, 3, {"rule": {"expr": [null, {"drop": null}]}}]}')).toEqual([])
  })
})

describe('/proc/net/xfrm_stat (captured)', () => {
  it('every counter by name', () => {
    const counters = parseXfrmStat(captured('xfrm_stat.txt'))
    expect(counters.get('XfrmInTmplMismatch')).toBe(0)
    expect(counters.size).toBeGreaterThan(20)
  })
})

describe('ip xfrm (no JSON form)', () => {
  it('state: addresses, SPI and mark of each SA, never its keys', () => {
    const entries = parseXfrm(xfrmPair('34.203.187.158', '0x1234567a'))
    expect(entries).toEqual([
      {dst: '34.203.187.158', mark: '0x1234567a', spi: '0xcc5ab9b4', src: '198.51.100.20'},
      {dst: '198.51.100.20', spi: '0xc5d2ae1b', src: '34.203.187.158'},
    ])
    expect(JSON.stringify(entries)).not.toContain('5ecre7')
  })

  it('policy (captured): direction, mark and template', () => {
    const text =
      'src 0.0.0.0/0 dst 0.0.0.0/0 \n\tdir out priority 0 ptype main \n\tmark 0x12345678/0xffffffff \n\ttmpl src 192.0.2.1 dst 203.0.113.1\n\t\tproto esp reqid 0 mode tunnel\n'
    expect(parseXfrm(text)).toEqual([
      {
        dir: 'out',
        dst: '0.0.0.0/0',
        mark: '0x12345678',
        src: '0.0.0.0/0',
        tmpl: {dst: '203.0.113.1', src: '192.0.2.1'},
      },
    ])
  })
})

describe('installed files', () => {
  it('swanctl.conf: blocks and values, comments dropped', () => {
    const parsed = parseSwanctlConf(
      '# about\nconnections {\n  a {\n    remote_addrs = 1.2.3.4 # here\n    children {\n      a {\n        esp_proposals = x\n      }\n    }\n  }\n}\n',
    )
    const a = parsed.blocks.get('connections')!.blocks.get('a')!
    expect(a.values.get('remote_addrs')).toBe('1.2.3.4')
    expect(a.blocks.get('children')!.blocks.get('a')!.values.get('esp_proposals')).toBe('x')
  })

  it('ipsec.conf: conns with also= resolved', () => {
    const conns = parseIpsecConf(
      'conn base\n  auto=ignore\n  ike=x!\n\nconn t1\n  also=base\n  auto=start\n  right=1.2.3.4\n',
    )
    expect(Object.fromEntries(conns.get('t1')!)).toEqual({also: 'base', auto: 'start', ike: 'x!', right: '1.2.3.4'})
  })

  it('ipsec.secrets and the secret spellings config writes', () => {
    expect(parseIpsecSecrets('# c\n1.2.3.4 : PSK "a b"\n5.6.7.8 : PSK 0sa2V5\n')).toEqual(
      new Map([
        ['1.2.3.4', 'a b'],
        ['5.6.7.8', 'key'],
      ]),
    )
    expect(decodeSecret('0x6b6579')).toBe('key')
    expect(decodeSecret('bare')).toBe('bare')
  })

  it('sysctl values', () => {
    expect(parseSysctl('2\n')).toBe(2)
    expect(parseSysctl(undefined)).toBeUndefined()
    expect(parseSysctl('')).toBeUndefined()
  })
})

describe('helpers', () => {
  it("a tool's telling line skips charon's plugin warnings", () => {
    const stderr =
      "plugin 'test-vectors': failed to load - test_vectors_plugin_create not found and no plugin file available\nconnecting to 'unix:///var/run/charon.vici' failed: No such file or directory\n"
    expect(telling({code: 2, stderr, stdout: ''}, 'swanctl')).toBe(
      "connecting to 'unix:///var/run/charon.vici' failed: No such file or directory",
    )
    expect(telling(undefined, 'swanctl')).toBe('swanctl is not installed')
    expect(telling({code: 3, stderr: '', stdout: ''}, 'ipsec')).toBe('nothing printed (exit 3)')
  })

  it('networks and hosts', () => {
    expect(networkOf('192.168.50.7', 24)).toBe('192.168.50.0/24')
    expect(networkOf('10.20.30.40', 12)).toBe('10.16.0.0/12')
    expect(hostInside('10.0.0.0/16')).toBe('10.0.0.1')
  })
})
