import {describe, expect, it} from 'vitest'

import type {PlatformApi} from '../../src/lib/api/client.js'
import type {DoctorReport} from '../../src/lib/doctor/report.js'

import {type DoctorOptions, doctorOptions, runDoctor} from '../../src/lib/doctor/run.js'
import {ExitCode} from '../../src/lib/exit-codes.js'
import {Terminal} from '../../src/lib/ui/terminal.js'
import {
  captured,
  fakeHost,
  healthyHost,
  healthyPlan,
  type HostState,
  noCredentialsApi,
  readOnlyApi,
  TARGET,
} from '../support/doctor-host.js'
import {testProcess, tunnel, vpnConnection} from '../support/fixtures.js'

const OPTIONS: DoctorOptions = {...TARGET, intervalSeconds: 0, json: true}
const KEYS = ['abcdef12345', '123456abcdef']

interface Outcome {
  readonly code: number
  readonly report: DoctorReport
  readonly stderr: string
  readonly stdout: string
}

async function doctor(
  state: HostState,
  api: PlatformApi = readOnlyApi(),
  options: Partial<DoctorOptions> = {},
): Promise<Outcome> {
  const process = testProcess()
  const host = fakeHost(state)
  const code = await runDoctor({...OPTIONS, ...options}, {api, host, terminal: new Terminal(process)})
  const stdout = process.stdout.text
  for (const key of KEYS) {
    expect(stdout).not.toContain(key)
    expect(process.stderr.text).not.toContain(key)
  }

  expect(stdout).not.toContain('5ecre7')
  return {
    code,
    report: options.json === false ? ({} as DoctorReport) : (JSON.parse(stdout) as DoctorReport),
    stderr: process.stderr.text,
    stdout,
  }
}

function ids(report: DoctorReport): string[] {
  return report.findings.map((finding) =>
    finding.tunnel === undefined ? finding.id : `${finding.id}@${finding.tunnel}`,
  )
}

/** charon holds tunnel 2 no longer: only tunnel 1's SA is listed. */
function onlyTunnelOneUp(state: HostState): void {
  const listed = state.commands.get('swanctl --list-sas --raw') as string
  state.commands.set('swanctl --list-sas --raw', listed.split('\n')[0]!)
}

const plan = healthyPlan()
const [one, two] = plan.tunnels
const SWANCTL_CONF = `/etc/swanctl/conf.d/${plan.baseName}.conf`

describe('spaces:vpn:doctor on a working gateway', () => {
  it.each(['swanctl', 'ipsec-conf'] as const)('finds nothing with %s files, and exits 0', async (format) => {
    const {code, report} = await doctor(healthyHost(plan, format))
    expect(report.findings).toEqual([])
    expect(report).toMatchObject({format, ok: true, skipped: [], version: 1})
    expect(report.tunnels.map((entry) => [entry.number, entry.heroku, entry.charon])).toEqual([
      [1, 'UP', 'up'],
      [2, 'UP', 'up'],
    ])
    expect(code).toBe(ExitCode.ok)
  })

  it('prints a short checklist for people', async () => {
    const {code, stdout} = await doctor(healthyHost(), readOnlyApi(), {json: false})
    expect(stdout).toContain('No problems found.')
    expect(stdout).toContain(`Tunnel 2 ${two!.ip}: Heroku UP, charon up`)
    expect(code).toBe(0)
  })

  it('never asks Heroku to change anything (the API fails the test on a change)', async () => {
    const state = healthyHost()
    state.files.delete(SWANCTL_CONF)
    state.dirs.set('/etc/swanctl/conf.d', [])
    const {code} = await doctor(state)
    expect(code).toBe(ExitCode.problems)
  })
})

/** The faults of issue 17's table that doctor can tell from the state, each injected alone into a working gateway. */
describe('spaces:vpn:doctor names each fault', () => {
  it('no files installed: not-installed, with the config command that writes them', async () => {
    const state = healthyHost()
    state.files.delete(SWANCTL_CONF)
    state.dirs.set('/etc/swanctl/conf.d', [])
    state.commands.set('swanctl --list-sas --raw', '')
    const {code, report} = await doctor(
      state,
      readOnlyApi(
        vpnConnection({
          tunnels: [tunnel({status: 'DOWN'}), tunnel({ip: two!.ip, pre_shared_key: '123456abcdef', status: 'DOWN'})],
        }),
      ),
    )
    expect(ids(report)).toContain('not-installed')
    expect(report.findings[0]).toMatchObject({id: 'not-installed', severity: 'critical'})
    expect(report.findings[0]!.fix).toContain('spaces:vpn:config office --space acme-space --format swanctl')
    expect(code).toBe(ExitCode.problems)
  })

  it('charon not running: charon-not-running with the line that says so', async () => {
    const state = healthyHost()
    state.commands.set('swanctl --list-sas --raw', {
      code: 2,
      stderr:
        "plugin 'test-vectors': failed to load - test_vectors_plugin_create not found and no plugin file available\nconnecting to 'unix:///var/run/charon.vici' failed: No such file or directory\nError: connecting to 'default' URI failed: No such file or directory\n",
      stdout: '',
    })
    const {report} = await doctor(state)
    expect(report.findings[0]).toMatchObject({
      evidence: "swanctl --list-sas: connecting to 'unix:///var/run/charon.vici' failed: No such file or directory",
      fix: 'sudo systemctl start strongswan',
      id: 'charon-not-running',
      severity: 'critical',
    })
  })

  it('files from before a destroy and connect: stale-files, and nothing else about the files', async () => {
    const before = healthyPlan({
      id: '0a0a0a0a-1111-4222-8333-444455556666',
      tunnels: [tunnel({ip: '34.1.1.1'}), tunnel({ip: '34.2.2.2'})],
    })
    const state = healthyHost(before)
    const {report} = await doctor(state)
    expect(report.findings.filter((finding) => finding.view === 'files').map((finding) => finding.id)).toEqual([
      'stale-files',
    ])
    expect(report.findings[0]).toMatchObject({id: 'stale-files', severity: 'critical'})
    expect(report.findings[0]!.evidence).toContain('34.1.1.1')
  })

  it("one tunnel's key wrong: wrong-key on that tunnel, the keys never shown", async () => {
    const state = healthyHost()
    state.files.set(SWANCTL_CONF, state.files.get(SWANCTL_CONF)!.replace('"123456abcdef"', '"not-the-key"'))
    onlyTunnelOneUp(state)
    const {report, stdout} = await doctor(state)
    expect(ids(report)).toEqual(['wrong-key@2', 'tunnel-down@2'])
    expect(stdout).not.toContain('not-the-key')
  })

  it('proposals changed by hand: proposals-changed, with the setting and what config writes', async () => {
    const state = healthyHost()
    state.files.set(
      SWANCTL_CONF,
      state.files
        .get(SWANCTL_CONF)!
        .replaceAll('proposals = aes256-sha256-modp2048', 'proposals = aes128-sha1-modp1024'),
    )
    const {report} = await doctor(state)
    expect(report.findings[0]).toMatchObject({id: 'proposals-changed', severity: 'critical'})
    expect(report.findings[0]!.evidence).toMatch(
      /proposals = aes128-sha1-modp1024 .*config writes aes256-sha256-modp2048/,
    )
  })

  it('the firewall drops UDP 4500 to one tunnel IP: firewall-blocks-tunnel with the rule and its removal', async () => {
    const state = healthyHost()
    state.commands.set(
      'iptables -w -S',
      `-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n-A OUTPUT -d ${two!.ip}/32 -p udp -m udp --dport 4500 -j DROP\n`,
    )
    const {report} = await doctor(state)
    expect(ids(report)).toEqual(['firewall-blocks-tunnel@2'])
    expect(report.findings[0]!.fix).toBe(`sudo iptables -D OUTPUT -d ${two!.ip}/32 -p udp -m udp --dport 4500 -j DROP`)
  })

  it('a firewall that drops all ESP concerns both tunnels', async () => {
    const state = healthyHost()
    state.commands.set('iptables -w -S', '-P INPUT ACCEPT\n-A INPUT -p esp -j DROP\n')
    expect(ids((await doctor(state)).report)).toEqual(['firewall-blocks-tunnel@1', 'firewall-blocks-tunnel@2'])
  })

  it('only one tunnel configured: tunnel-not-configured on the other', async () => {
    const state = healthyHost()
    const conf = state.files.get(SWANCTL_CONF)!
    const start = conf.indexOf(`  ${two!.name} {`)
    const end = conf.indexOf('\n  }\n', start) + '\n  }\n'.length
    state.files.set(SWANCTL_CONF, conf.slice(0, start) + conf.slice(end))
    onlyTunnelOneUp(state)
    const {report} = await doctor(
      state,
      readOnlyApi(
        vpnConnection({tunnels: [tunnel(), tunnel({ip: two!.ip, pre_shared_key: '123456abcdef', status: 'DOWN'})]}),
      ),
    )
    expect(ids(report)).toContain('tunnel-not-configured@2')
    expect(report.findings.find((finding) => finding.id === 'tunnel-not-configured')!.severity).toBe('error')
    // not each of the missing tunnel's settings as changed: its proposals above all, which would come first
    expect(ids(report)).not.toContain('proposals-changed')
    expect(ids(report)).not.toContain('conf-differs')
  })

  it('IPv4 forwarding off: forwarding-off', async () => {
    const state = healthyHost()
    state.files.set('/proc/sys/net/ipv4/ip_forward', '0\n')
    expect(ids((await doctor(state)).report)).toEqual(['forwarding-off'])
  })

  it('strict reverse-path filtering: rp-filter-strict on each tunnel interface', async () => {
    const state = healthyHost()
    state.files.set('/proc/sys/net/ipv4/conf/all/rp_filter', '1\n')
    const {report} = await doctor(state)
    expect(ids(report)).toEqual(['rp-filter-strict@1', 'rp-filter-strict@2'])
    expect(report.findings[0]!.fix).toBe(
      `sudo sysctl -w net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.${one!.interfaceName}.rp_filter=2`,
    )
  })

  it('another route for the space: space-route-bypass with the route the kernel picks', async () => {
    const state = healthyHost()
    state.commands.set(
      'ip -json route get 10.0.0.1',
      JSON.stringify([{dev: 'eth1', dst: '10.0.0.1', gateway: '172.16.0.254'}]),
    )
    const {report} = await doctor(state)
    expect(ids(report)).toEqual(['space-route-bypass'])
    expect(report.findings[0]!.evidence).toBe('ip route get 10.0.0.1: 10.0.0.1 via 172.16.0.254 dev eth1')
  })

  it("charon's table 220 back: charon-routes", async () => {
    const state = healthyHost()
    state.commands.set(
      'ip -json route show table 220',
      JSON.stringify([{dev: 'eth0', dst: '10.0.0.0/16', prefsrc: '198.51.100.20'}]),
    )
    expect(ids((await doctor(state)).report)).toEqual(['charon-routes'])
  })

  it('the MSS handling removed: mss-clamp-missing, with the rules to add', async () => {
    const state = healthyHost()
    state.commands.set('iptables -w -t mangle -S FORWARD', '-P FORWARD ACCEPT\n')
    const {report} = await doctor(state)
    expect(ids(report)).toEqual(['mss-clamp-missing@1', 'mss-clamp-missing@2'])
    expect(report.findings[0]!.fix).toContain(
      `sudo iptables -t mangle -A FORWARD -o ${one!.interfaceName} -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1379`,
    )
  })

  it("the MSS handling on an nftables-only host: the updown script's table is looked for", async () => {
    const state = healthyHost()
    state.commands.set('iptables -w -t mangle -S FORWARD', null)
    state.commands.set('nft list tables', `table ip heroku-vpn-${one!.interfaceName}\n`)
    const {report} = await doctor(state)
    expect(ids(report)).toEqual(['mss-clamp-missing@2'])
    expect(report.skipped).toEqual([])
  })

  it("nftables rules that drop a tunnel's IKE or ESP, on an nftables-only host: each with the nft line that deletes it", async () => {
    const state = healthyHost()
    state.commands.set('iptables -w -t mangle -S FORWARD', null)
    state.commands.set(
      'nft list tables',
      plan.tunnels.map((tunnel) => `table ip heroku-vpn-${tunnel.interfaceName}`).join('\n'),
    )
    state.commands.set('nft -j list ruleset', captured('nft-ruleset.json'))
    const {report} = await doctor(state)
    expect(ids(report)).toEqual(['firewall-blocks-tunnel@1', 'firewall-blocks-tunnel@2'])
    // tunnel 1: not the rule for another interface, nor the rate-limited one, but the /24 with both ports
    expect(report.findings.map((finding) => [finding.evidence, finding.fix])).toEqual([
      [
        `nft: table inet filter chain output: ip daddr 34.203.187.0/24 udp dport { 500, 4500 } reject # handle 7`,
        'sudo nft delete rule inet filter output handle 7',
      ],
      [
        `nft: table inet filter chain output: ip daddr ${two!.ip} udp dport 4500 drop # handle 4`,
        'sudo nft delete rule inet filter output handle 4',
      ],
    ])
    expect(report.skipped).toEqual([])
  })

  it('a rule iptables shows is named as iptables shows it, and nftables rules only for the tunnels it left', async () => {
    const state = healthyHost()
    state.commands.set(
      'iptables -w -S',
      `-P OUTPUT ACCEPT\n-A OUTPUT -d ${two!.ip}/32 -p udp -m udp --dport 500 -j DROP\n`,
    )
    state.commands.set('nft -j list ruleset', captured('nft-ruleset.json'))
    const {report} = await doctor(state)
    expect(report.findings.map((finding) => [finding.tunnel, finding.fix])).toEqual([
      [1, 'sudo nft delete rule inet filter output handle 7'],
      [2, `sudo iptables -D OUTPUT -d ${two!.ip}/32 -p udp -m udp --dport 500 -j DROP`],
    ])
  })

  it('says when the nftables rules cannot be read, and why', async () => {
    const state = healthyHost()
    state.commands.set('nft -j list ruleset', {
      code: 1,
      stderr: 'Operation not permitted (you must be root)\n',
      stdout: '',
    })
    const {report} = await doctor(state)
    expect(ids(report)).toEqual([])
    expect(report.skipped).toEqual([
      {check: 'nftables rules that drop IKE or ESP', reason: 'Operation not permitted (you must be root)'},
    ])
  })

  it("behind NAT with --local-ip not the host's address: local-ip-not-host", async () => {
    const natPlan = {...plan, localIp: '203.0.113.77'}
    const {report} = await doctor(healthyHost(natPlan))
    expect(ids(report)).toEqual(['local-ip-not-host'])
    expect(report.findings[0]!.severity).toBe('critical')
    // each address once, though the tunnel interfaces hold the WAN's too
    expect(report.findings[0]!.evidence).toMatch(/this host has 127\.0\.0\.1, [\d.]+, 172\.16\.0\.1$/)
  })

  it('a LAN whose network is not among the routable CIDRs: lan-not-routable, with the update that adds it', async () => {
    const state = healthyHost()
    const addresses = JSON.parse(state.commands.get('ip -json -4 addr show') as string) as unknown[]
    addresses.push({addr_info: [{family: 'inet', local: '192.168.50.1', prefixlen: 24}], ifname: 'eth2'})
    state.commands.set('ip -json -4 addr show', JSON.stringify(addresses))
    const {report} = await doctor(state)
    expect(ids(report)).toEqual(['lan-not-routable'])
    expect(report.findings[0]!.fix).toContain(
      'spaces:vpn:update office --space acme-space --cidrs 172.16.0.0/16,192.168.50.0/24',
    )
  })

  it('a tunnel up in charon that the far end never installed: up-here-down-at-heroku', async () => {
    const connection = vpnConnection({
      tunnels: [
        tunnel(),
        tunnel({ip: two!.ip, pre_shared_key: '123456abcdef', status: 'DOWN', status_message: 'IPSEC IS DOWN'}),
      ],
    })
    const {report} = await doctor(healthyHost(), readOnlyApi(connection))
    expect(ids(report)).toEqual(['up-here-down-at-heroku@2'])
    expect(report.findings[0]!.evidence).toContain('Heroku: DOWN (IPSEC IS DOWN)')
    expect(report.tunnels[1]).toMatchObject({charon: 'up', heroku: 'DOWN'})
  })

  it('charon up without an SA in the kernel: kernel-sa-missing', async () => {
    const state = healthyHost()
    state.commands.set('ip xfrm state list', '')
    expect(ids((await doctor(state)).report)).toEqual(['kernel-sa-missing@1', 'kernel-sa-missing@2'])
  })

  it('a tunnel up whose interface the updown script did not make: tunnel-interface-missing', async () => {
    const state = healthyHost()
    const links = (
      JSON.parse(state.commands.get('ip -json -details link show') as string) as Array<{ifname: string}>
    ).filter((link) => link.ifname !== two!.interfaceName)
    state.commands.set('ip -json -details link show', JSON.stringify(links))
    state.files.delete(`/proc/sys/net/ipv4/conf/${two!.interfaceName}/rp_filter`)
    state.files.delete(`/proc/sys/net/ipv4/conf/${two!.interfaceName}/disable_policy`)
    expect(ids((await doctor(state)).report)).toEqual(['tunnel-interface-missing@2'])
  })

  it('the policy check on the interface that carries the ESP: policy-check-on', async () => {
    const state = healthyHost()
    state.files.set('/proc/sys/net/ipv4/conf/eth0/disable_policy', '0\n')
    expect(ids((await doctor(state)).report)).toEqual(['policy-check-on'])
  })

  it('a tunnel charon has not loaded (a setting it refused): tunnel-not-loaded', async () => {
    const state = healthyHost()
    state.commands.set(
      'swanctl --list-conns --raw',
      `list-conn event {${one!.name} {version=IKEv1}}\nlist-conns reply {}\n`,
    )
    onlyTunnelOneUp(state)
    expect(ids((await doctor(state)).report)).toEqual(['tunnel-not-loaded@2'])
  })

  it('IPsec error counters that grow between the two reads: the counter, what it means and the fix', async () => {
    const state = healthyHost()
    state.xfrmStatLater = 'XfrmInError 0\nXfrmInTmplMismatch 42\nXfrmInStateExpired 3\n'
    const {report} = await doctor(state, readOnlyApi(), {intervalSeconds: 2})
    expect(ids(report)).toEqual(['xfrm-XfrmInTmplMismatch'])
    expect(report.findings[0]!.evidence).toBe('XfrmInTmplMismatch grew by 42 in 2 s (/proc/net/xfrm_stat)')
    expect(report.findings[0]!.problem).toContain('replies on the tunnel the host did not send on are dropped')
  })

  it('the updown script missing: updown-missing', async () => {
    const state = healthyHost()
    state.files.delete(`/etc/swanctl/${plan.baseName}-updown.sh`)
    expect(ids((await doctor(state)).report)).toEqual(['updown-missing'])
  })

  it("the charon settings missing: file-missing (charon's own routes)", async () => {
    const state = healthyHost()
    state.files.delete('/etc/strongswan.d/heroku-spaces-vpn.conf')
    const {report} = await doctor(state)
    expect(report.findings).toMatchObject([{id: 'file-missing', severity: 'error'}])
  })

  it('lists findings worst first in the checklist, each with evidence and fix', async () => {
    const state = healthyHost()
    state.files.set('/proc/sys/net/ipv4/ip_forward', '0\n')
    state.files.set(
      SWANCTL_CONF,
      state.files
        .get(SWANCTL_CONF)!
        .replaceAll('proposals = aes256-sha256-modp2048', 'proposals = aes128-sha1-modp1024'),
    )
    const {code, stdout} = await doctor(state, readOnlyApi(), {json: false})
    expect(stdout.indexOf('CRITICAL')).toBeLessThan(stdout.indexOf('ERROR'))
    expect(stdout).toMatch(
      /ERROR IPv4 forwarding is off.*\n {2}evidence: net.ipv4.ip_forward = 0\n {2}fix: {6}sudo sysctl -w net.ipv4.ip_forward=1/,
    )
    expect(stdout).toContain('2 problems found.')
    expect(code).toBe(ExitCode.problems)
  })
})

describe('spaces:vpn:doctor with less to go on', () => {
  it('without Heroku credentials checks the host alone and says what it could not compare', async () => {
    const {code, report} = await doctor(healthyHost(), noCredentialsApi())
    expect(report.findings).toEqual([])
    expect(report.skipped).toEqual([
      {
        check: "Heroku's view (tunnel status, keys, tunnel IPs, networks)",
        reason: expect.stringContaining('no Heroku credentials'),
      },
    ])
    expect(report.tunnels.map((entry) => entry.heroku)).toEqual(['unknown', 'unknown'])
    // the host view still finds what the host alone shows
    expect(code).toBe(ExitCode.ok)
    const state = healthyHost()
    state.files.set('/proc/sys/net/ipv4/conf/all/rp_filter', '1\n')
    expect(ids((await doctor(state, noCredentialsApi())).report)).toEqual(['rp-filter-strict@1', 'rp-filter-strict@2'])
  })

  it('without root skips what only root reads, and says which', async () => {
    const state = healthyHost()
    state.isRoot = false
    state.files.set(SWANCTL_CONF, 'denied')
    const {report} = await doctor(state)
    expect(report.skipped.map((skipped) => skipped.check)).toEqual([
      "the files against Heroku's connection",
      "charon's SAs, the kernel's SAs and the firewall",
    ])
    expect(report.skipped[0]!.reason).toContain('root only')
  })

  it('on a host that is not Linux: one line, the bad-environment code, nothing asked of Heroku', async () => {
    const state = healthyHost()
    state.platform = 'darwin'
    await expect(doctor(state, noCredentialsApi())).rejects.toMatchObject({
      exitCode: ExitCode.environment,
      message: expect.stringMatching(/^spaces:vpn:doctor checks a Linux VPN host running strongSwan; this is darwin/),
    })
  })

  it('on a host without strongSwan: the bad-environment code', async () => {
    const state = healthyHost()
    state.commands.set('swanctl --version', null)
    state.commands.set('ipsec --version', null)
    await expect(doctor(state)).rejects.toMatchObject({
      exitCode: ExitCode.environment,
      message: expect.stringContaining('strongSwan is not installed'),
    })
  })

  it('a connection that is not active at Heroku: connection-not-active first', async () => {
    const {report} = await doctor(healthyHost(), readOnlyApi(vpnConnection({status: 'failed', status_message: 'boom'})))
    expect(report.findings[0]).toMatchObject({
      evidence: 'status failed: boom',
      id: 'connection-not-active',
      severity: 'critical',
    })
  })
})

describe('doctorOptions', () => {
  it('takes --interval from 0 to 60 seconds', () => {
    expect(doctorOptions({name: 'office'}, {interval: '0', space: 'acme-space'}).intervalSeconds).toBe(0)
    expect(doctorOptions({name: 'office'}, {space: 'acme-space'}).intervalSeconds).toBe(3)
  })

  it.each(['-1', 'x', '', '61'])('refuses --interval %j before any request (exit 2)', (interval) => {
    expect(() => doctorOptions({name: 'office'}, {interval, space: 'acme-space'})).toThrow(
      expect.objectContaining({exitCode: ExitCode.usage}),
    )
  })

  it('refuses a missing name', () => {
    expect(() => doctorOptions({}, {space: 'acme-space'})).toThrow(expect.objectContaining({exitCode: ExitCode.usage}))
  })
})
