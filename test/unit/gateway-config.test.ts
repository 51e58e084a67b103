import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

import type {VpnConnection} from '../../src/lib/api/types.js'

import {ExitCode} from '../../src/lib/exit-codes.js'
import {GATEWAY_FORMATS} from '../../src/lib/gateway/formats.js'
import {printedFiles} from '../../src/lib/gateway/next-steps.js'
import {
  gatewayName,
  type GatewayPlan,
  planGateway,
  type PlanInput,
  ROUTE_METRIC_STEP,
} from '../../src/lib/gateway/plan.js'
import {secretValue} from '../../src/lib/gateway/secret-value.js'
import {renderIpsecConf, renderIpsecSecrets} from '../../src/lib/gateway/strongswan/ipsec-conf.js'
import {renderSwanctlConf} from '../../src/lib/gateway/strongswan/swanctl-conf.js'
import {space, tunnel, vpnConnection} from '../support/fixtures.js'

const target = {name: 'office', space: 'acme-space'}
/** The names and ids the Platform API gives the fixtures' space and connection. */
const identity = {...target, connectionId: vpnConnection().id, spaceId: space().id}
const TWO_CIDRS = ['172.16.0.0/16', '192.168.10.0/24']

function plan(overrides: Partial<VpnConnection> = {}, input: Partial<PlanInput> = {}): GatewayPlan {
  return planGateway({connection: vpnConnection(overrides), names: identity, target, ...input})
}

function refusal(overrides: Partial<VpnConnection>): Error & {advice: string[]; exitCode: number} {
  try {
    plan(overrides)
  } catch (error) {
    return error as Error & {advice: string[]; exitCode: number}
  }

  throw new Error('planGateway accepted the connection')
}

function printed(format: keyof typeof GATEWAY_FORMATS, gateway: GatewayPlan): string {
  return printedFiles(GATEWAY_FORMATS[format].build(gateway).files)
}

describe('generated gateway configuration (golden files, one per format and case: a new format needs its own)', () => {
  const cases = [
    ['article', {}, {localIp: '172.16.0.2'}],
    ['ikev2', {ike_version: 2}, {}],
  ] as const
  it.each(
    Object.keys(GATEWAY_FORMATS).flatMap((format) =>
      cases.map(([name, overrides, input]) => [format, name, overrides, input] as const),
    ),
  )('--format %s: %s', async (format, name, overrides, input) => {
    const golden = `golden/${name}.${format}.txt`
    // toMatchFileSnapshot writes a missing golden unless in CI: a new format's goldens are written only on purpose (vitest -u) and reviewed
    if (expect.getState().snapshotState.snapshotUpdateState !== 'all') {
      expect(
        existsSync(new URL(golden, import.meta.url)),
        `${golden} is missing: write it with vitest -u and review it`,
      ).toBe(true)
    }

    await expect(printed(format as keyof typeof GATEWAY_FORMATS, plan(overrides, input))).toMatchFileSnapshot(golden)
  })

  it.each(Object.keys(GATEWAY_FORMATS))(
    '--format %s: one SA pair per tunnel whatever the routable CIDRs: only the updown script names them',
    (format) => {
      for (const ike of [1, 2]) {
        const files = (cidrs?: string[]) =>
          GATEWAY_FORMATS[format as keyof typeof GATEWAY_FORMATS].build(
            plan({ike_version: ike, ...(cidrs ? {routable_cidrs: cidrs} : {})}),
          ).files
        const changed = files(TWO_CIDRS).filter((file, index) => file.content !== files()[index]!.content)
        expect(changed.map((file) => file.kind)).toEqual(['script'])
        expect(changed[0]!.content).toContain(`routable_cidrs='${TWO_CIDRS.join(' ')}'`)
      }
    },
  )

  it.each(Object.keys(GATEWAY_FORMATS).flatMap((format) => [1, 2].map((ike) => [format, ike] as const)))(
    '--format %s, IKEv%i: the updown script is valid POSIX shell',
    (format, ike) => {
      const script = GATEWAY_FORMATS[format as keyof typeof GATEWAY_FORMATS]
        .build(plan({ike_version: ike}))
        .files.find((file) => file.kind === 'script')!
      const parsed = spawnSync('/bin/sh', ['-n'], {encoding: 'utf8', input: script.content})
      expect(parsed.stderr).toBe('')
      expect(parsed.status).toBe(0)
    },
  )
})

describe('gateway plan', () => {
  it('routes the space through tunnel 1 while it is up, tunnel 2 otherwise, each tunnel its own interface and marks', () => {
    const {tunnels} = plan()
    expect(tunnels.map((t) => t.routeMetric)).toEqual([ROUTE_METRIC_STEP, 2 * ROUTE_METRIC_STEP])
    const marks = tunnels.flatMap((t) => [t.markIn, t.markOut])
    expect(new Set(marks).size).toBe(4)
    for (const mark of marks) expect(Number.parseInt(mark, 16)).toBeLessThan(2 ** 31)
    for (const t of tunnels) expect(t.interfaceName.length).toBeLessThanOrEqual(15)
    expect(new Set(tunnels.map((t) => t.interfaceName)).size).toBe(2)
  })

  it('gives two connections on one gateway different marks and interfaces, and the same connection the same ones every time', () => {
    const tunnelsOf = (spaceName: string) =>
      planGateway({connection: vpnConnection(), names: {name: 'office', space: spaceName}, target}).tunnels.map((t) => [
        t.interfaceName,
        t.markIn,
        t.markOut,
      ])
    expect(tunnelsOf('acme-space')).toEqual(tunnelsOf('acme-space'))
    const other = tunnelsOf('other-space').flat()
    for (const value of tunnelsOf('acme-space').flat()) expect(other).not.toContain(value)
  })

  it("sends the connection's public IP as the IKE identity, and leaves the local address to strongSwan unless --local-ip says", () => {
    expect(plan()).toMatchObject({identity: '52.91.173.226', localIp: undefined})
    expect(plan({}, {localIp: '172.16.0.2'})).toMatchObject({identity: '52.91.173.226', localIp: '172.16.0.2'})
    expect(renderIpsecConf(plan())).toContain('  left=%defaultroute\n  leftid=52.91.173.226\n')
    expect(renderSwanctlConf(plan())).not.toContain('local_addrs')
    expect(renderSwanctlConf(plan({}, {localIp: '172.16.0.2'}))).toContain('    local_addrs = 172.16.0.2\n')
  })

  it('names everything after the names the API gives, not after how the connection was asked for', () => {
    const byId = planGateway({
      connection: vpnConnection(),
      names: identity,
      target: {name: '5e1f0ba2-3c4d-4e5f-8a9b-0c1d2e3f4a5b', space: '0f8e7d6c'},
    })
    expect(printed('swanctl', byId)).toBe(printed('swanctl', plan()))
  })

  it('starts both tunnels with strongSwan, restarts them after a DPD timeout or a delete, and keeps trying for ever', () => {
    const ipsec = renderIpsecConf(plan())
    expect(ipsec.match(/^ {2}auto=start$/gm)).toHaveLength(2)
    for (const setting of [
      'dpdaction=restart',
      'closeaction=restart',
      'keyingtries=%forever',
      'leftsubnet=0.0.0.0/0',
      'rightsubnet=0.0.0.0/0',
    ])
      expect(ipsec).toContain(`  ${setting}\n`)
    const swanctl = renderSwanctlConf(plan())
    for (const setting of [
      'start_action = start',
      'dpd_action = restart',
      'close_action = start',
      'local_ts = 0.0.0.0/0',
      'remote_ts = 0.0.0.0/0',
    ]) {
      expect(swanctl.match(new RegExp(`^ +${setting}$`, 'gm'))).toHaveLength(2)
    }
  })

  it('writes a DPD timeout only for IKEv1, which has one', () => {
    expect(renderIpsecConf(plan({ike_version: 1}))).toContain('dpdtimeout=')
    expect(renderIpsecConf(plan({ike_version: 2}))).not.toContain('dpdtimeout=')
    expect(renderSwanctlConf(plan({ike_version: 2}))).not.toContain('dpd_timeout')
  })

  it('says in every file what it changes on the host', () => {
    for (const format of Object.keys(GATEWAY_FORMATS) as Array<keyof typeof GATEWAY_FORMATS>) {
      const gateway = GATEWAY_FORMATS[format].build(plan())
      for (const file of gateway.files)
        expect(file.content, file.destination).toMatch(/^(#!\/bin\/sh\n)?# .+: generated by heroku spaces:vpn:config\n/)
      const updown = gateway.files.find((file) => file.kind === 'script')!
      expect(updown.content.startsWith('#!/bin/sh\n')).toBe(true)
      expect(updown.content).toContain('What it changes on this host')
      expect(gateway.hostChanges.join(' ')).toContain("two rules to this host's firewall")
    }
  })

  it.each(['strongswan', 'swanctl'] as const)('--format %s marks the charon-wide settings as such', (format) => {
    const gateway = GATEWAY_FORMATS[format].build(plan())
    const charon = gateway.files.find((file) => file.destination.startsWith('/etc/strongswan.d/'))!
    expect(charon.content).toContain('EVERY connection on this host')
    expect(gateway.hostChanges.join(' ')).toContain('every connection on this host')
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

  it('gives every connection names of its own, however alike their names read once cleaned', () => {
    const derived = (spaceId: string, connectionId: string, space: string, name: string) => {
      const identity = {connectionId, name, space, spaceId}
      const gateway = planGateway({connection: vpnConnection({name}), names: identity, target: identity})
      return {
        base: gateway.baseName,
        interfaces: gateway.tunnels.map((t) => t.interfaceName),
        marks: gateway.tunnels.flatMap((t) => [t.markIn, t.markOut]),
      }
    }

    // the names the report found colliding: prod + eu-office and prod-eu + office, a dot, non-ASCII letters
    const alike = [
      derived('s1', 'c1', 'prod', 'eu-office'),
      derived('s2', 'c2', 'prod-eu', 'office'),
      derived('s3', 'c3', 'prod', 'eu.office'),
      derived('s4', 'c4', 'prod', 'eu-officé'),
    ]
    expect(alike.map((names) => names.base).every((base) => base.startsWith('prod-eu-offic'))).toBe(true)
    expect(new Set(alike.map((names) => names.base)).size).toBe(4)

    // thousands of connections, ids as the Platform API gives them, names all alike: every name distinct, interface
    // names within Linux's 15 characters; marks have 28 bits, for the handful of connections one gateway holds
    const uuid = (kind: number, index: number) =>
      `0000000${kind}-0000-4000-8000-${index.toString(16).padStart(12, '0')}`
    const pairs = Array.from({length: 2000}, (_, index) => derived(uuid(1, index), uuid(2, index), 'acme', 'office'))
    expect(new Set(pairs.map((names) => names.base)).size).toBe(pairs.length)
    const interfaces = pairs.flatMap((names) => names.interfaces)
    expect(new Set(interfaces).size).toBe(interfaces.length)
    expect(Math.max(...interfaces.map((name) => name.length))).toBeLessThanOrEqual(15)
    const marks = pairs.flatMap((names) => names.marks)
    expect(new Set(marks).size).toBe(marks.length)

    // and the same connection the same names every time
    expect(derived('s1', 'c1', 'prod', 'eu-office')).toEqual(alike[0])
  })

  it('keeps unusual characters of a connection name out of names and comments alike', () => {
    const names = {name: 'bad\nconn x', space: 'acme-space'}
    const gateway = planGateway({connection: vpnConnection({name: 'bad\nconn x'}), names, target: names})
    const conf = renderIpsecConf(gateway)
    expect(conf).toContain('VPN connection bad-conn-x (IKEv1)')
    expect(conf).toMatch(/^conn acme-space-bad-conn-x-[\da-f]{12}-tunnel1$/m)
    expect(conf).not.toMatch(/^conn x/m)
  })
})

describe('pre-shared keys', () => {
  it.each([
    ['abcdef12345', '"abcdef12345"'],
    ['Az09._+/=:@-', '"Az09._+/=:@-"'],
    ['a "quoted" key', '0sYSAicXVvdGVkIiBrZXk='],
    [String.raw`back\slash`, '0sYmFja1xzbGFzaA=='],
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
    const gateway = plan({
      tunnels: [tunnel({pre_shared_key: 'say "hi"'}), tunnel({ip: '34.227.70.143', pre_shared_key: '123456abcdef'})],
    })
    expect(
      renderIpsecSecrets(gateway)
        .split('\n')
        .filter((line) => line.includes('PSK')),
    ).toEqual(['34.203.187.158 : PSK 0sc2F5ICJoaSI=', '34.227.70.143 : PSK "123456abcdef"'])
    expect(renderSwanctlConf(gateway)).toMatch(
      /ike-acme-space-office-[\da-f]{12}-tunnel1 \{\n {4}id = 34\.203\.187\.158\n {4}secret = 0sc2F5ICJoaSI=\n/,
    )
  })
})

describe('values from the Platform API that cannot go into a configuration', () => {
  it.each([
    [
      'a tunnel IP that is not IPv4',
      {tunnels: [tunnel({ip: '34.203.187.158\nconn evil'}), tunnel({ip: '34.227.70.143'})]},
      `tunnel 1's IP "34.203.187.158\\nconn evil" is not an IPv4 address`,
    ],
    [
      'an IPv6 tunnel IP',
      {tunnels: [tunnel({ip: '2001:db8::1'}), tunnel({ip: '34.227.70.143'})]},
      'is not an IPv4 address',
    ],
    [
      'a missing tunnel IP',
      {tunnels: [tunnel({ip: undefined}), tunnel({ip: '34.227.70.143'})]},
      `tunnel 1's IP undefined`,
    ],
    ['two tunnels with one IP', {tunnels: [tunnel(), tunnel()]}, 'two tunnels have the same IP'],
    ['one tunnel', {tunnels: [tunnel()]}, 'the connection has 1 tunnels, not 2'],
    [
      'an empty pre-shared key',
      {tunnels: [tunnel({pre_shared_key: ''}), tunnel({ip: '34.227.70.143'})]},
      'tunnel 1 has no pre-shared key',
    ],
    [
      'a routable CIDR that is not a CIDR',
      {routable_cidrs: ['172.16.0.0/16', '192.168.10.0/24 leftsubnet=0.0.0.0/0']},
      'routable CIDR "192.168.10.0/24 leftsubnet=0.0.0.0/0" is not an IPv4 network',
    ],
    ['a routable CIDR with host bits', {routable_cidrs: ['172.16.0.1/16']}, 'routable CIDR "172.16.0.1/16"'],
    ['no routable CIDRs', {routable_cidrs: []}, 'has no routable CIDRs'],
    ['a space CIDR that is not a CIDR', {space_cidr_block: '10.0.0.0/33'}, 'the space CIDR "10.0.0.0/33"'],
    [
      'a space CIDR that is not private',
      {space_cidr_block: '0.0.0.0/0'},
      'the space CIDR 0.0.0.0/0 is not a private (RFC 1918) network',
    ],
    [
      'a space CIDR that overlaps a routable CIDR',
      {routable_cidrs: ['10.0.128.0/24'], space_cidr_block: '10.0.0.0/16'},
      'the space CIDR 10.0.0.0/16 overlaps routable CIDR 10.0.128.0/24, one of your own networks',
    ],
    ['an unknown IKE version', {ike_version: 3}, 'IKE version 3 is neither 1 nor 2'],
    ['a public IP that is not IPv4', {public_ip: 'gateway.example'}, `the gateway's public IP "gateway.example"`],
  ])('refuses %s (exit 1), naming it', (_case, overrides, words) => {
    const error = refusal(overrides as Partial<VpnConnection>)
    expect(error.exitCode).toBe(ExitCode.failed)
    expect(error.message).toContain(words)
    expect(error.message).toContain(
      'No gateway configuration was written for VPN connection office in space acme-space.',
    )
  })

  it('lists every problem at once', () => {
    const error = refusal({ike_version: 7, space_cidr_block: 'nope'})
    expect(error.message.split('\n').filter((line) => line.startsWith('- '))).toHaveLength(2)
  })
})
