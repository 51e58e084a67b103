import {readFileSync} from 'node:fs'

import type {PlatformApi} from '../../src/lib/api/client.js'
import type {CommandResult, DoctorHost, FileRead} from '../../src/lib/doctor/host.js'

import {NoCredentialsError} from '../../src/lib/api/credentials.js'
import {INSTALLED_FORMATS, type InstalledFormat} from '../../src/lib/doctor/installed.js'
import {type GatewayPlan, planGateway} from '../../src/lib/gateway/plan.js'
import {space, vpnConnection} from './fixtures.js'

export const TARGET = {name: 'office', space: 'acme-space'}

/** The fixtures' connection as config plans it, with the host's own address behind a 1:1 NAT. */
export function healthyPlan(overrides: Parameters<typeof vpnConnection>[0] = {}): GatewayPlan {
  return planGateway({
    connection: vpnConnection(overrides),
    names: {...TARGET, connectionId: vpnConnection(overrides).id, spaceId: space().id},
    target: TARGET,
  })
}

/** Output captured from the real tools: see test/unit/doctor-captures/README.md. */
export function captured(name: string): string {
  return readFileSync(new URL(`../unit/doctor-captures/${name}`, import.meta.url), 'utf8')
}

const EMPTY_NFT_RULESET =
  '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}]}'
const WAN = 'eth0'
const LAN = 'eth1'
const HOST_ADDRESS = '198.51.100.20'

/** charon's answer to `swanctl --list-sas --raw` for a tunnel that is up, after the captured output's shape. */
export function establishedSa(name: string, remote: string, uniqueid: number): string {
  return `list-sa event {${name} {uniqueid=${uniqueid} version=1 state=ESTABLISHED local-host=${HOST_ADDRESS} local-port=500 local-id=52.91.173.226 remote-host=${remote} remote-port=500 remote-id=${remote} initiator=yes initiator-spi=468a3103bda66985 responder-spi=2d69c48078af1540 encr-alg=AES_CBC encr-keysize=256 integ-alg=HMAC_SHA2_256_128 prf-alg=PRF_HMAC_SHA2_256 dh-group=MODP_2048 established=120 rekey-time=14104 child-sas {${name}-${uniqueid} {name=${name} uniqueid=${uniqueid} reqid=${uniqueid} state=INSTALLED mode=TUNNEL protocol=ESP spi-in=c5d2ae1b spi-out=cc5ab9b4 encr-alg=AES_CBC encr-keysize=256 integ-alg=HMAC_SHA2_256_128 dh-group=MODP_2048 bytes-in=8400 packets-in=100 bytes-out=8400 packets-out=100 rekey-time=2900 life-time=3420 install-time=120 local-ts=[0.0.0.0/0] remote-ts=[0.0.0.0/0]}}}}`
}

/** `ip xfrm state list` for a tunnel's SA pair; the keys are made up and must never reach doctor's output. */
export function xfrmPair(remote: string, mark: string): string {
  return [
    `src ${HOST_ADDRESS} dst ${remote}`,
    `\tproto esp spi 0xcc5ab9b4 reqid 1 mode tunnel`,
    `\treplay-window 0 flag af-unspec`,
    `\tmark ${mark}/0xffffffff`,
    `\tauth-trunc hmac(sha256) 0x5ecre7a5ecre7a5ecre7a5ecre7a5ec0 128`,
    `\tenc cbc(aes) 0x5ecre7b5ecre7b5ecre7b5ecre7b5ec0`,
    `\tanti-replay context: seq 0x0, oseq 0x64, bitmap 0x00000000`,
    `\tsel src 0.0.0.0/0 dst 0.0.0.0/0 `,
    `src ${remote} dst ${HOST_ADDRESS}`,
    `\tproto esp spi 0xc5d2ae1b reqid 1 mode tunnel`,
    `\treplay-window 32 flag af-unspec`,
    `\tauth-trunc hmac(sha256) 0x5ecre7c5ecre7c5ecre7c5ecre7c5ec0 128`,
    `\tenc cbc(aes) 0x5ecre7d5ecre7d5ecre7d5ecre7d5ec0`,
    `\tanti-replay context: seq 0x64, oseq 0x0, bitmap 0xffffffff`,
    `\tsel src 0.0.0.0/0 dst 0.0.0.0/0 `,
  ].join('\n')
}

const XFRM_STAT = `XfrmInError             \t0
XfrmInBufferError       \t0
XfrmInHdrError          \t0
XfrmInNoStates          \t0
XfrmInStateProtoError   \t0
XfrmInTmplMismatch      \t0
XfrmOutNoStates         \t0
`

type CommandAnswer = CommandResult | null | string

/** A gateway host's state: files, directories, command outputs (null: the program is not installed) and /proc. */
export interface HostState {
  commands: Map<string, CommandAnswer>
  dirs: Map<string, string[]>
  files: Map<string, 'denied' | string>
  isRoot: boolean
  platform: NodeJS.Platform
  /** The second read of /proc/net/xfrm_stat, when it differs from the first. */
  xfrmStatLater?: string
}

/** The state of a working gateway for `plan`, with the files of `format` installed as config's next steps say. */
export function healthyHost(plan: GatewayPlan = healthyPlan(), format: InstalledFormat = 'swanctl'): HostState {
  const gateway = INSTALLED_FORMATS[format].build(plan)
  const files = new Map<string, string>()
  for (const file of gateway.files) files.set(file.destination, file.content)
  const [one, two] = plan.tunnels
  const sysctls: Record<string, string> = {
    [`conf/${one!.interfaceName}/disable_policy`]: '1',
    [`conf/${one!.interfaceName}/rp_filter`]: '0',
    [`conf/${two!.interfaceName}/disable_policy`]: '1',
    [`conf/${two!.interfaceName}/rp_filter`]: '0',
    [`conf/${WAN}/disable_policy`]: '1',
    'conf/all/rp_filter': '2',
    ip_forward: '1',
  }
  for (const [key, value] of Object.entries(sysctls)) files.set(`/proc/sys/net/ipv4/${key}`, `${value}\n`)
  files.set('/proc/net/xfrm_stat', XFRM_STAT)
  const vti = (tunnel: typeof one) => ({
    ifname: tunnel!.interfaceName,
    linkinfo: {info_data: {local: HOST_ADDRESS, remote: tunnel!.ip}, info_kind: 'vti'},
    mtu: plan.tunnelMtu,
    operstate: 'UNKNOWN',
  })
  const mss = (direction: string, name: string) =>
    `-A FORWARD ${direction} ${name} -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss ${plan.tunnelMss}`
  const names = plan.tunnels.map((tunnel) => tunnel.name)
  const commands = new Map<string, CommandAnswer>([
    [
      'ip -json -4 addr show',
      JSON.stringify([
        {addr_info: [{family: 'inet', local: '127.0.0.1', prefixlen: 8}], ifname: 'lo'},
        {addr_info: [{family: 'inet', local: HOST_ADDRESS, prefixlen: 24}], ifname: WAN},
        {addr_info: [{family: 'inet', local: '172.16.0.1', prefixlen: 24}], ifname: LAN},
        ...plan.tunnels.map((tunnel) => ({
          addr_info: [{family: 'inet', local: HOST_ADDRESS, prefixlen: 32}],
          ifname: tunnel.interfaceName,
        })),
      ]),
    ],
    [
      'ip -json -details link show',
      JSON.stringify([
        {ifname: 'lo', mtu: 65_536},
        {ifname: WAN, mtu: 1500},
        {ifname: LAN, mtu: 1500},
        vti(one),
        vti(two),
      ]),
    ],
    [
      'ip -json route get 10.0.0.1',
      JSON.stringify([{dev: one!.interfaceName, dst: '10.0.0.1', prefsrc: '172.16.0.1'}]),
    ],
    [
      'ip -json route get ' + one!.ip,
      JSON.stringify([{dev: WAN, dst: one!.ip, gateway: '198.51.100.1', prefsrc: HOST_ADDRESS}]),
    ],
    [
      'ip -json route get ' + two!.ip,
      JSON.stringify([{dev: WAN, dst: two!.ip, gateway: '198.51.100.1', prefsrc: HOST_ADDRESS}]),
    ],
    ['ip -json route show default', JSON.stringify([{dev: WAN, dst: 'default', gateway: '198.51.100.1'}])],
    ['ip -json route show table 220', ''],
    ['ipsec --version', 'Linux strongSwan U5.9.8/K6.1.0'],
    [
      'ipsec statusall',
      [
        'Status of IKE charon daemon (strongSwan 5.9.8, Linux 6.1.0, x86_64):',
        'Connections:',
        ...plan.tunnels.map((tunnel) => `${tunnel.name}:  %any...${tunnel.ip}  IKEv1, dpddelay=5s`),
        'Security Associations (2 up, 0 connecting):',
        ...plan.tunnels.flatMap((tunnel, index) => [
          `${tunnel.name}[${index + 3}]: ESTABLISHED 2 minutes ago, ${HOST_ADDRESS}[52.91.173.226]...${tunnel.ip}[${tunnel.ip}]`,
          `${tunnel.name}{${index + 1}}:  INSTALLED, TUNNEL, reqid ${index + 1}, ESP SPIs: c5d2ae1b_i cc5ab9b4_o`,
        ]),
      ].join('\n'),
    ],
    ['iptables -w -S', '-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n'],
    [
      'iptables -w -t mangle -S FORWARD',
      [
        '-P FORWARD ACCEPT',
        ...plan.tunnels.flatMap((tunnel) => [mss('-o', tunnel.interfaceName), mss('-i', tunnel.interfaceName)]),
      ].join('\n'),
    ],
    ['ip xfrm state list', `${xfrmPair(one!.ip, one!.markOut)}\n${xfrmPair(two!.ip, two!.markOut)}\n`],
    // nft 1.0.6 with no rule of its own (iptables' tables are left out here)
    ['nft -j list ruleset', EMPTY_NFT_RULESET],
    [
      'swanctl --list-conns --raw',
      `${names.map((name) => `list-conn event {${name} {local_addrs=[%any] version=IKEv1}}`).join('\n')}\nlist-conns reply {}\n`,
    ],
    [
      'swanctl --list-sas --raw',
      `${establishedSa(names[0]!, one!.ip, 3)}\n${establishedSa(names[1]!, two!.ip, 4)}\nlist-sas reply {}\n`,
    ],
    ['swanctl --version', 'strongSwan swanctl 5.9.8'],
  ])
  const dirs = new Map<string, string[]>([
    ['/etc/swanctl/conf.d', format === 'swanctl' ? [`${plan.baseName}.conf`] : []],
  ])
  return {commands, dirs, files, isRoot: true, platform: 'linux'}
}

/** A DoctorHost over `state`; a command with no answer fails as a tool does (exit 1, a message on stderr). */
export function fakeHost(state: HostState): DoctorHost & {readonly ran: string[]} {
  const ran: string[] = []
  let statReads = 0
  return {
    isRoot: state.isRoot,
    async listDir(path) {
      return state.dirs.get(path)
    },
    platform: state.platform,
    ran,
    async readFile(path): Promise<FileRead> {
      let text = state.files.get(path)
      if (path === '/proc/net/xfrm_stat' && statReads++ > 0 && state.xfrmStatLater !== undefined)
        text = state.xfrmStatLater
      if (text === undefined) return {status: 'missing'}
      if (text === 'denied') return {status: 'denied'}
      return {status: 'ok', text}
    },
    async run(program, args) {
      const line = [program, ...args].join(' ')
      ran.push(line)
      const answer = state.commands.get(line)
      if (answer === null) return undefined
      if (answer === undefined) return {code: 1, stderr: `${program}: not stubbed`, stdout: ''}
      return typeof answer === 'string' ? {code: 0, stderr: '', stdout: answer} : answer
    },
    async sleep() {},
  }
}

/** A Platform API that answers the connection and space reads, and fails the test on any change. */
export function readOnlyApi(connection = vpnConnection()): PlatformApi {
  const refuse = async () => {
    throw new Error('doctor must never change anything at Heroku')
  }

  return {
    createVpnConnection: refuse,
    deleteVpnConnection: refuse,
    getSpace: async () => space(),
    getVpnConnection: async () => connection,
    listVpnConnections: async () => [connection],
    updateVpnConnection: refuse,
  }
}

/** A Platform API on a host without Heroku credentials. */
export function noCredentialsApi(): PlatformApi {
  const none = async (): Promise<never> => {
    throw new NoCredentialsError()
  }

  return {...readOnlyApi(), getSpace: none, getVpnConnection: none, listVpnConnections: none}
}
