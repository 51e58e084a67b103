import type {ConnectionTarget} from '../api/types.js'
import type {Finding, Skipped} from './report.js'

import {GATEWAY_FORMATS} from '../gateway/formats.js'
import {type GatewayConfig, type GatewayFile, gatewayName, type GatewayPlan} from '../gateway/plan.js'
import {ipsecGateway} from '../gateway/strongswan/ipsec-conf.js'
import {swanctlGateway} from '../gateway/strongswan/swanctl-conf.js'
import {connectionCommand} from '../ui/command-lines.js'
import {type DoctorHost, textOf} from './host.js'
import {decodeSecret, parseIpsecConf, parseIpsecSecrets, parseSwanctlConf, type SettingsBlock} from './parse.js'

/** The two strongSwan formats doctor reads, by the generator that writes each. */
export const INSTALLED_FORMATS = {
  'ipsec-conf': {build: ipsecGateway, daemon: 'ipsec'},
  swanctl: {build: swanctlGateway, daemon: 'swanctl'},
} as const

export type InstalledFormat = keyof typeof INSTALLED_FORMATS

const SWANCTL_CONF_DIR = '/etc/swanctl/conf.d'
const IPSEC_CONF = '/etc/ipsec.conf'
const IPSEC_SECRETS = '/etc/ipsec.secrets'

/** A tunnel as the installed files configure it. */
export interface InstalledTunnel {
  readonly interfaceName?: string
  readonly ip?: string
  readonly name: string
  readonly number: number
}

/** What doctor found installed for the connection. */
export interface InstalledGateway {
  readonly baseName: string
  readonly confPath: string
  /** The settings of our connections, flattened to `path = value` (secrets left out); undefined when unreadable. */
  readonly confSettings?: ReadonlyMap<string, string>
  readonly format: InstalledFormat
  /** local_addrs / left when it is an address: the host's own address the files name. */
  readonly localIp?: string
  /** Secrets by IKE id (the tunnel IP); undefined when unreadable. */
  readonly secrets?: ReadonlyMap<string, string>
  readonly secretsPath: string
  readonly tunnels: readonly InstalledTunnel[]
  readonly updown?: {readonly path: string; readonly routableCidrs: readonly string[]; readonly spaceCidr?: string}
}

/** The generated names start with this, then 12 hex digits of the connection's identity. */
function basePattern(target: ConnectionTarget, plan: GatewayPlan | undefined): string {
  if (plan) return plan.baseName.replaceAll(/[.*+?^${}()|[\]\\]/g, String.raw`\$&`)
  return `${gatewayName(target.space, target.name)}-[0-9a-f]{12}`
}

function tunnelNumber(name: string, baseName: string): number | undefined {
  const match = new RegExp(`^${baseName}-tunnel(\\d+)$`).exec(name)
  return match ? Number(match[1]) : undefined
}

function flatten(block: SettingsBlock, prefix: string, into: Map<string, string>): void {
  for (const [key, value] of block.values) into.set(`${prefix}${key}`, value)
  for (const [name, child] of block.blocks) flatten(child, `${prefix}${name}.`, into)
}

async function readUpdown(
  host: DoctorHost,
  dir: string,
  baseName: string,
): Promise<{interfaces: Map<string, string>; updown?: InstalledGateway['updown']}> {
  const path = `${dir}/${baseName}-updown.sh`
  const text = textOf(await host.readFile(path))
  const interfaces = new Map<string, string>()
  if (text === undefined) return {interfaces}
  for (const match of text.matchAll(/^\s+'?([\w-]+)'?\) interface=(\S+) /gm)) interfaces.set(match[1]!, match[2]!)
  const spaceCidr = /^space_cidr=(\S+)$/m.exec(text)?.[1]
  const routable = /^routable_cidrs='?([^'\n]*)'?$/m.exec(text)?.[1] ?? ''
  return {interfaces, updown: {path, routableCidrs: routable.split(/\s+/).filter(Boolean), spaceCidr}}
}

async function findSwanctl(host: DoctorHost, pattern: string): Promise<InstalledGateway | undefined> {
  const names = (await host.listDir(SWANCTL_CONF_DIR)) ?? []
  const file = names.find((name) => new RegExp(`^${pattern}\\.conf$`).test(name))
  if (file === undefined) return undefined
  const baseName = file.slice(0, -'.conf'.length)
  const confPath = `${SWANCTL_CONF_DIR}/${file}`
  const {interfaces, updown} = await readUpdown(host, '/etc/swanctl', baseName)
  const text = textOf(await host.readFile(confPath))
  if (text === undefined) {
    const tunnels = [...interfaces].map(([name, interfaceName]) => ({
      interfaceName,
      name,
      number: tunnelNumber(name, baseName) ?? 0,
    }))
    return {baseName, confPath, format: 'swanctl', secretsPath: confPath, tunnels, updown}
  }

  const parsed = parseSwanctlConf(text)
  const connections = parsed.blocks.get('connections')?.blocks ?? new Map<string, SettingsBlock>()
  const secrets = new Map<string, string>()
  for (const secret of parsed.blocks.get('secrets')?.blocks.values() ?? []) {
    const id = secret.values.get('id')
    const value = secret.values.get('secret')
    if (id !== undefined && value !== undefined) secrets.set(id, decodeSecret(value))
  }

  const confSettings = new Map<string, string>()
  flatten(
    {blocks: new Map([['connections', {blocks: connections, values: new Map()}]]), values: new Map()},
    '',
    confSettings,
  )
  const tunnels = [...connections].flatMap(([name, conn]) => {
    const number = tunnelNumber(name, baseName)
    return number === undefined
      ? []
      : [{interfaceName: interfaces.get(name), ip: conn.values.get('remote_addrs'), name, number}]
  })
  const localIp = [...connections.values()][0]?.values.get('local_addrs')
  return {baseName, confPath, confSettings, format: 'swanctl', localIp, secrets, secretsPath: confPath, tunnels, updown}
}

async function findIpsecConf(host: DoctorHost, pattern: string): Promise<InstalledGateway | undefined> {
  const text = textOf(await host.readFile(IPSEC_CONF))
  if (text === undefined) return undefined
  const conns = parseIpsecConf(text)
  const base = [...conns.keys()].find((name) => new RegExp(`^${pattern}-base$`).test(name))
  if (base === undefined) return undefined
  const baseName = base.slice(0, -'-base'.length)
  const {interfaces, updown} = await readUpdown(host, '/etc/ipsec.d', baseName)
  const confSettings = new Map<string, string>()
  const tunnels: InstalledTunnel[] = []
  for (const [name, settings] of conns) {
    if (!name.startsWith(`${baseName}-`)) continue
    for (const [key, value] of settings) confSettings.set(`${name}.${key}`, value)
    const number = tunnelNumber(name, baseName)
    if (number !== undefined)
      tunnels.push({interfaceName: interfaces.get(name), ip: settings.get('right'), name, number})
  }

  const secretsText = textOf(await host.readFile(IPSEC_SECRETS))
  const left = conns.get(base)?.get('left')
  return {
    baseName,
    confPath: IPSEC_CONF,
    confSettings,
    format: 'ipsec-conf',
    localIp: left?.startsWith('%') ? undefined : left,
    secrets: secretsText === undefined ? undefined : parseIpsecSecrets(secretsText),
    secretsPath: IPSEC_SECRETS,
    tunnels,
    updown,
  }
}

/** The connection's files on this host, swanctl's first; undefined when neither format's are installed. */
export async function findInstalled(
  host: DoctorHost,
  target: ConnectionTarget,
  plan: GatewayPlan | undefined,
): Promise<InstalledGateway | undefined> {
  for (const pattern of plan
    ? [basePattern(target, plan), basePattern(target, undefined)]
    : [basePattern(target, undefined)]) {
    const found = (await findSwanctl(host, pattern)) ?? (await findIpsecConf(host, pattern))
    if (found) return found
  }

  return undefined
}

/** The name `config --format` takes for an installed format (whatever GATEWAY_FORMATS calls it). */
export function configFormatName(format: InstalledFormat): string {
  const {build} = INSTALLED_FORMATS[format]
  return Object.entries(GATEWAY_FORMATS).find(([, entry]) => entry.build === build)?.[0] ?? format
}

/** The command that writes the files anew: its next steps say how to install them. */
export function regenerateCommand(target: ConnectionTarget, format: InstalledFormat, localIp?: string): string {
  const words = [
    '--format',
    configFormatName(format),
    ...(localIp ? ['--local-ip', localIp] : []),
    '--output-dir',
    'heroku-vpn',
  ]
  return `${connectionCommand('config', target.name, target.space, ...words)} (then run the next steps it prints)`
}

/** The settings of the generated connections, flattened as InstalledGateway.confSettings is. */
function expectedSettings(format: InstalledFormat, gateway: GatewayConfig, baseName: string): Map<string, string> {
  const text = gateway.files[0]!.content
  const settings = new Map<string, string>()
  if (format === 'swanctl') {
    const parsed = parseSwanctlConf(text)
    flatten({blocks: new Map([['connections', parsed.blocks.get('connections')!]]), values: new Map()}, '', settings)
  } else {
    for (const [name, conn] of parseIpsecConf(text)) {
      if (!name.startsWith(`${baseName}-`)) continue
      for (const [key, value] of conn) settings.set(`${name}.${key}`, value)
    }
  }

  return settings
}

/** The connection a flattened setting belongs to: `connections.NAME.…` in swanctl.conf, `NAME.key` in ipsec.conf. */
function connectionOfSetting(key: string): string {
  const [first = '', second = ''] = key.split('.')
  return first === 'connections' ? second : first
}

const PROPOSAL_KEY = /\.(esp|esp_proposals|ike|proposals)$/
const REMOTE_KEY = /\.(remote_addrs|right|rightid|remote\.id)$/

type AddFinding = (finding: Omit<Finding, 'fix' | 'view'> & {fix?: string}) => void

/** What each file check works with: the files found, where findings and skipped checks go. */
interface FileChecks {
  readonly add: AddFinding
  readonly installed: InstalledGateway
  readonly skipped: Skipped[]
}

/** The files held against each other: what needs no word from Heroku. */
function checkFilesAlone({add, installed, skipped}: FileChecks): void {
  if (installed.confSettings === undefined) {
    skipped.push({
      check: "the files against Heroku's connection",
      reason: `${installed.confPath} can be read by root only`,
    })
  } else if (installed.secrets === undefined) {
    skipped.push({check: 'the pre-shared keys', reason: `${installed.secretsPath} can be read by root only`})
  }

  if (installed.updown === undefined) {
    add({
      evidence: `no updown script ${installed.baseName}-updown.sh beside ${installed.confPath}`,
      id: 'updown-missing',
      problem:
        'the updown script is not installed: the tunnels come up but carry no traffic (no tunnel interfaces, no routes)',
      severity: 'critical',
    })
  }

  const numbers = new Set(installed.tunnels.map((tunnel) => tunnel.number))
  for (const number of installed.confSettings === undefined ? [] : [1, 2]) {
    if (numbers.has(number)) continue
    add({
      evidence: `${installed.confPath} configures ${installed.tunnels.map((tunnel) => tunnel.name).join(', ') || 'no tunnel'}`,
      id: 'tunnel-not-configured',
      problem: `tunnel ${number} is not configured: Heroku shows it DOWN and the connection has no redundancy`,
      severity: 'error',
      tunnel: number,
    })
  }

  for (const tunnel of installed.tunnels) {
    if (installed.secrets === undefined || tunnel.ip === undefined || installed.secrets.has(tunnel.ip)) continue
    add({
      evidence: `${installed.secretsPath} has no secret with id ${tunnel.ip}`,
      id: 'key-missing',
      problem: 'no pre-shared key is installed for this tunnel: IKE authentication fails',
      severity: 'error',
      tunnel: tunnel.number,
    })
  }
}

/** Tunnel IPs and keys against Heroku's; returns whether the tunnel IPs differ. Keys are compared, never shown. */
function checkTunnelsAgainstHeroku({add, installed}: FileChecks, plan: GatewayPlan): boolean {
  const stale = installed.tunnels.filter((tunnel) => {
    const planned = plan.tunnels[tunnel.number - 1]
    return tunnel.ip !== undefined && planned !== undefined && tunnel.ip !== planned.ip
  })
  if (stale.length > 0) {
    add({
      evidence: `installed ${stale.map((tunnel) => `tunnel ${tunnel.number} ${tunnel.ip}`).join(', ')}; Heroku: ${plan.tunnels.map((tunnel) => tunnel.ip).join(', ')}`,
      id: 'stale-tunnel-ips',
      problem: `the files name tunnel IPs Heroku no longer has (files from before a destroy and connect): charon retries for ever`,
      severity: 'critical',
    })
  }

  for (const [index, tunnel] of plan.tunnels.entries()) {
    const secret = installed.secrets?.get(tunnel.ip)
    if (secret === undefined || secret === tunnel.preSharedKey) continue
    add({
      evidence: `the secret for ${tunnel.ip} in ${installed.secretsPath} differs from Heroku's (neither is shown)`,
      id: 'wrong-key',
      problem: "the installed pre-shared key is not Heroku's: IKE authentication fails",
      severity: 'error',
      tunnel: index + 1,
    })
  }

  return stale.length > 0
}

/** The connections' settings against what config writes now: changed proposals first, anything else after. */
function checkSettings({add, installed}: FileChecks, wanted: ReadonlyMap<string, string>, staleIps: boolean): void {
  const have = installed.confSettings
  if (have === undefined) return
  // a tunnel that is not configured at all is tunnel-not-configured, not each of its settings missing
  const configured = new Set(installed.tunnels.map((tunnel) => tunnel.name))
  const differing = [...new Set([...have.keys(), ...wanted.keys()])].filter(
    (key) => wanted.get(key) !== have.get(key) && (have.has(key) || configured.has(connectionOfSetting(key))),
  )
  const shown = (key: string) =>
    `${key} = ${have.get(key) ?? '(none)'} in ${installed.confPath}; config writes ${wanted.get(key) ?? '(none)'}`
  const proposals = differing.filter((key) => PROPOSAL_KEY.test(key))
  if (proposals.length > 0) {
    add({
      evidence: shown(proposals[0]!),
      id: 'proposals-changed',
      problem:
        'the proposals were changed from what Heroku (AWS) accepts: no proposal is chosen and the tunnels stay DOWN',
      severity: 'critical',
    })
  }

  const others = differing.filter((key) => !PROPOSAL_KEY.test(key) && !(staleIps && REMOTE_KEY.test(key)))
  if (others.length > 0) {
    add({
      evidence: `${shown(others[0]!)}${others.length > 1 ? ` (and ${others.length - 1} more)` : ''}`,
      id: 'conf-differs',
      problem: `${installed.confPath} differs from what config writes now`,
      severity: 'warning',
    })
  }
}

/** The updown script, charon settings and sysctl file against what config writes now. */
async function checkSupportingFiles(
  host: DoctorHost,
  {add, skipped}: FileChecks,
  files: readonly GatewayFile[],
): Promise<void> {
  for (const wanted of files) {
    const read = await host.readFile(wanted.destination)
    if (read.status === 'denied') {
      skipped.push({check: wanted.destination, reason: 'can be read by root only'})
      continue
    }

    const text = textOf(read)
    if (text === wanted.content) continue
    // a missing updown script is updown-missing
    if (text === undefined && wanted.kind === 'script') continue
    const charonSettings = wanted.destination.startsWith('/etc/strongswan.d/')
    if (text === undefined) {
      add({
        evidence: `${wanted.destination} does not exist`,
        id: 'file-missing',
        problem: `${wanted.destination} is not installed${charonSettings ? ': charon installs its own routes (table 220), which bypass the tunnels' : ''}`,
        severity: charonSettings ? 'error' : 'warning',
      })
      continue
    }

    add({
      evidence:
        wanted.kind === 'keys'
          ? `${wanted.destination} differs (it holds keys: not shown)`
          : `${wanted.destination}: ${firstDifference(text, wanted.content)}`,
      id: 'file-differs',
      problem: `${wanted.destination} differs from what config writes now`,
      severity: 'warning',
    })
  }
}

/** The installed files held against each other and, with the API's plan, against what `config` writes now. */
export async function checkFiles(
  host: DoctorHost,
  target: ConnectionTarget,
  installed: InstalledGateway,
  heroku: {readonly plan?: GatewayPlan; readonly skipped: Skipped[]},
): Promise<Finding[]> {
  const findings: Finding[] = []
  const fix = regenerateCommand(target, installed.format, installed.localIp)
  const checks: FileChecks = {
    add: (finding) => findings.push({fix, view: 'files', ...finding}),
    installed,
    skipped: heroku.skipped,
  }
  checkFilesAlone(checks)
  const {plan} = heroku
  if (!plan) return findings
  if (installed.baseName !== plan.baseName) {
    checks.add({
      evidence: `installed ${installed.confPath} is for ${installed.baseName}; Heroku's connection now makes ${plan.baseName} (tunnel IPs ${installed.tunnels.map((tunnel) => tunnel.ip ?? '?').join(', ')}; Heroku: ${plan.tunnels.map((tunnel) => tunnel.ip).join(', ')})`,
      id: 'stale-files',
      problem:
        'the files are from before a destroy and connect (old keys, maybe old tunnel IPs): charon retries for ever',
      severity: 'critical',
    })
    return findings
  }

  const expected = INSTALLED_FORMATS[installed.format].build({...plan, localIp: installed.localIp})
  const staleIps = checkTunnelsAgainstHeroku(checks, plan)
  checkSettings(checks, expectedSettings(installed.format, expected, plan.baseName), staleIps)
  // the first file (swanctl.conf; ipsec.conf and ipsec.secrets) was compared setting by setting
  await checkSupportingFiles(host, checks, expected.files.slice(installed.format === 'swanctl' ? 1 : 2))
  return findings
}

function cut(line: string | undefined): string {
  return line === undefined ? '(end of file)' : line.trim().slice(0, 80)
}

/** The first line that differs, as "line N: installed … (config writes …)", cut short. */
function firstDifference(installed: string, wanted: string): string {
  const a = installed.split('\n')
  const b = wanted.split('\n')
  const index = Math.max(
    0,
    a.findIndex((line, at) => line !== b[at]),
  )
  return `line ${index + 1}: ${cut(a[index])} (config writes ${cut(b[index])})`
}
