import {spawn, spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import type {VpnConnection} from '../../../src/lib/api-types.js'

import {planGateway} from '../../../src/lib/strongswan/gateway-plan.js'
import {ipsecGateway} from '../../../src/lib/strongswan/ipsec-conf.js'
import {swanctlGateway} from '../../../src/lib/strongswan/swanctl-conf.js'
import {CUSTOM_BLOCKS_SPACE, DEFAULT_BLOCKS_SPACE, type Sandbox, startSandbox} from '../../../src/sandbox/index.js'
import {runCli} from '../support/run-cli.js'

/*
 * The generated configuration, run by real strongSwan: for each format and IKE version, a connection made through
 * the built CLI against the sandbox, its config written by `spaces:vpn:config --output-dir`, loaded by the
 * customer charon of lab.sh, with the responder set up as the Private Space from `info --json`. Each tunnel is
 * brought up on its own and must carry TCP from a host in every routable CIDR to a host in the space.
 */

const LAB = fileURLToPath(new URL('lab.sh', import.meta.url))
const BUILT_COMMAND = fileURLToPath(new URL('../../../dist/commands/spaces/vpn/config.js', import.meta.url))

/** The customer gateway inside the lab: TEST-NET-1, so never one of the sandbox's tunnel IPs (TEST-NET-2 and -3). */
const CUSTOMER_IP = '192.0.2.10'
const PUBLIC_IP = '52.91.173.226'
const ROUTABLE_CIDRS = ['172.16.0.0/16', '192.168.50.0/24']
const NAME = 'office'

const check = spawnSync(LAB, ['check'], {encoding: 'utf8'})
const labReady = check.status === 0
const required = process.env.REQUIRE_STRONGSWAN === '1'
const missing = `${check.stdout ?? ''}${check.stderr ?? ''}${check.error ? String(check.error) : ''}`.trim()
if (!labReady && !required) {
  console.warn(`Skipping the strongSwan end-to-end tests; the lab cannot run here:\n${missing}\n(REQUIRE_STRONGSWAN=1 turns this into a failure.)`)
}

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

let labRuns = 0
const labIds: string[] = []

function newLabId(): string {
  const id = `e${process.pid.toString(36)}${(labRuns++).toString(36)}`.slice(0, 12)
  labIds.push(id)
  return id
}

function lab(labId: string, ...args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(LAB, args, {env: {...process.env, LAB_ID: labId, LAB_TCP_TIMEOUT_MS: '3000', LAB_TTL: '600'}})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code) => resolve({code, stderr, stdout}))
  })
}

/** What a failed lab step shows: its own output and the tail of both charon logs. */
async function labFailure(labId: string, step: string, result: Result): Promise<string> {
  const logs = await lab(labId, 'logs')
  return `${step} exited ${result.code}\n${result.stdout}${result.stderr}\n--- charon logs (tail)\n${logs.stdout.split('\n').slice(-60).join('\n')}`
}

async function labStep(labId: string, ...args: string[]): Promise<string> {
  const result = await lab(labId, ...args)
  if (result.code !== 0) expect.fail(await labFailure(labId, `lab.sh ${args.join(' ')}`, result))
  return result.stdout
}

interface LabSetup {
  readonly style: 'ipsec' | 'swanctl'
  readonly ike: number
  readonly customerDir: string
  readonly tunnelIps: readonly string[]
  readonly psks: readonly string[]
  readonly spaceCidr: string
}

/**
 * Starts the lab with the responder as the Private Space, proves no traffic passes without a tunnel, then brings
 * each tunnel up in turn (every child it has) and requires TCP from each routable CIDR's host through that tunnel.
 */
async function proveTunnels(labId: string, setup: LabSetup, childrenByTunnel: ReadonlyArray<readonly string[]>): Promise<void> {
  const up = await labStep(
    labId,
    'up',
    ...['--customer-dir', setup.customerDir, '--style', setup.style, '--ike', String(setup.ike), '--no-autostart'],
    ...['--tunnel-ips', setup.tunnelIps.join(','), '--psks', setup.psks.join(','), '--space-cidr', setup.spaceCidr],
    ...['--customer-ip', CUSTOMER_IP, '--routable-cidrs', ROUTABLE_CIDRS.join(',')],
  )
  const customerHosts = /^CUSTOMER_HOSTS=(.+)$/m.exec(up)![1]!.split(',')
  const spaceHost = /^SPACE_HOST=(.+)$/m.exec(up)![1]!
  expect(customerHosts).toHaveLength(ROUTABLE_CIDRS.length)

  const noTunnel = await lab(labId, 'tcp', '--no-sa-check', customerHosts[0]!, spaceHost)
  expect(noTunnel.code, `TCP passed with no tunnel up: ${noTunnel.stdout}`).not.toBe(0)

  for (const [index, children] of childrenByTunnel.entries()) {
    for (const child of children) await labStep(labId, 'initiate', child, '20')
    for (const host of customerHosts) {
      const tcp = await labStep(labId, 'tcp', host, spaceHost)
      expect(tcp, `${host} -> ${spaceHost} through tunnel ${index + 1}`).toContain(`remote=${setup.tunnelIps[index]} `)
    }

    await labStep(labId, 'terminate')
  }
}

/** The children the next steps tell the user to initiate, per tunnel, read from the command's own output. */
function initiatedChildren(nextSteps: string): string[][] {
  const names = [...nextSteps.matchAll(/^ +sudo (?:ipsec up|swanctl --initiate --child) (\S+)$/gm)].map((match) => match[1]!)
  return [1, 2].map((tunnel) => names.filter((name) => new RegExp(`-tunnel${tunnel}(-net\\d+)?$`).test(name)))
}

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777
}

describe.skipIf(!labReady && !required)('generated strongSwan configuration, run by real strongSwan', () => {
  let sandbox: Sandbox
  let workDir: string
  let labId: string | undefined

  beforeAll(async () => {
    if (!labReady) throw new Error(`REQUIRE_STRONGSWAN=1, but the strongSwan lab cannot run here:\n${missing}`)
    if (!existsSync(BUILT_COMMAND)) throw new Error(`${BUILT_COMMAND} is missing: run \`npm run build\` first (npm test does).`)
    sandbox = await startSandbox({timing: {deprovisioning: 0, pending: 0.2, provisioning: 0.2, tunnelsUpAfter: null}})
    workDir = await mkdtemp(join(tmpdir(), 'strongswan-e2e-'))
  })

  afterEach(async () => {
    if (labId !== undefined) await lab(labId, 'down')
    labId = undefined
    sandbox?.control.reset()
  })

  afterAll(async () => {
    await Promise.all(labIds.map((id) => lab(id, 'down')))
    await sandbox?.stop()
    if (workDir) await rm(workDir, {force: true, recursive: true})
  })

  function cli(...args: string[]) {
    return runCli(args, {env: sandbox.env})
  }

  async function cliStep(...args: string[]): Promise<{stdout: string; stderr: string}> {
    const result = await cli(...args)
    expect(result.code, `heroku ${args.join(' ')}\n${result.stdout}${result.stderr}`).toBe(0)
    return result
  }

  it.each([
    {format: 'strongswan', ike: 1, space: DEFAULT_BLOCKS_SPACE, style: 'ipsec'},
    {format: 'strongswan', ike: 2, space: CUSTOM_BLOCKS_SPACE, style: 'ipsec'},
    {format: 'swanctl', ike: 1, space: DEFAULT_BLOCKS_SPACE, style: 'swanctl'},
    {format: 'swanctl', ike: 2, space: CUSTOM_BLOCKS_SPACE, style: 'swanctl'},
  ] as const)('--format $format, IKEv$ike ($space): both tunnels carry TCP from every routable CIDR', async ({format, ike, space, style}) => {
    await cliStep('spaces:vpn:connect', NAME, '--space', space, '--ip', PUBLIC_IP, '--cidrs', ROUTABLE_CIDRS.join(','))
    await cliStep('spaces:vpn:wait', NAME, '--space', space, '--interval', '0.2')
    const connection = JSON.parse((await cliStep('spaces:vpn:info', NAME, '--space', space, '--json')).stdout) as VpnConnection
    expect(connection.ike_version).toBe(ike)
    const tunnelIps = connection.tunnels!.map((tunnel) => tunnel.ip!)
    const psks = connection.tunnels!.map((tunnel) => tunnel.pre_shared_key!)
    expect(tunnelIps).toHaveLength(2)
    expect(tunnelIps).not.toContain(CUSTOMER_IP)

    const customerDir = join(workDir, `${format}-ikev${ike}`)
    const config = await cliStep('spaces:vpn:config', NAME, '--space', space, '--format', format, '--local-ip', CUSTOMER_IP, '--output-dir', customerDir)
    const keyFile = format === 'strongswan' ? 'ipsec.secrets' : 'swanctl.conf'
    expect(config.stdout).toContain(`Wrote ${join(customerDir, keyFile)} (mode 0600`)
    expect(await mode(join(customerDir, keyFile))).toBe(0o600)
    if (format === 'strongswan') expect(await mode(join(customerDir, 'ipsec.conf'))).toBe(0o644)
    expect(config.stderr).toContain(`heroku spaces:vpn:wait ${NAME} --space ${space} --tunnels-up`)

    const children = initiatedChildren(config.stderr)
    const prefix = `${space}-${NAME}`
    expect(children).toEqual(
      ike === 1
        ? [1, 2].map((tunnel) => [`${prefix}-tunnel${tunnel}-net1`, `${prefix}-tunnel${tunnel}-net2`])
        : [[`${prefix}-tunnel1`], [`${prefix}-tunnel2`]],
    )

    labId = newLabId()
    await proveTunnels(labId, {customerDir, ike, psks, spaceCidr: connection.space_cidr_block!, style, tunnelIps}, children)

    await cliStep('spaces:vpn:destroy', NAME, '--space', space, '--confirm', NAME)
  })

  /** The sandbox's keys are plain; these are written in base64 (0s...), which both files must read back exactly. */
  const AWKWARD_PSKS = ['a "quoted" \\ key, with spaces and ü', '0x1234abcd']

  it.each([
    {build: ipsecGateway, style: 'ipsec'},
    {build: swanctlGateway, style: 'swanctl'},
  ] as const)('$style: pre-shared keys with quotes, backslashes, commas, non-ASCII or a 0x prefix', async ({build, style}) => {
    const connection: VpnConnection = {
      ike_version: 2,
      name: NAME,
      public_ip: PUBLIC_IP,
      routable_cidrs: ROUTABLE_CIDRS,
      space_cidr_block: '10.0.0.0/16',
      status: 'active',
      tunnels: [
        {ip: '203.0.113.21', pre_shared_key: AWKWARD_PSKS[0]},
        {ip: '198.51.100.21', pre_shared_key: AWKWARD_PSKS[1]},
      ],
    }
    const gateway = build(planGateway({connection, localIp: CUSTOMER_IP, target: {name: NAME, space: 'acme-space'}}))
    const customerDir = join(workDir, `awkward-${style}`)
    await mkdir(customerDir)
    for (const file of gateway.files) await writeFile(join(customerDir, file.name), file.content)
    const base64 = AWKWARD_PSKS.map((psk) => `0s${Buffer.from(psk, 'utf8').toString('base64')}`)
    for (const secret of base64) expect(gateway.files.map((file) => file.content).join()).toContain(secret)

    labId = newLabId()
    await proveTunnels(
      labId,
      {customerDir, ike: 2, psks: base64, spaceCidr: '10.0.0.0/16', style, tunnelIps: ['203.0.113.21', '198.51.100.21']},
      [['acme-space-office-tunnel1'], ['acme-space-office-tunnel2']],
    )
  })
})
