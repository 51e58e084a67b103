import {mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {VpnConnection} from '../../../src/lib/api/types.js'

import {GATEWAY_FORMATS} from '../../../src/lib/gateway/formats.js'
import {formatNextSteps} from '../../../src/lib/gateway/next-steps.js'
import {FILE_MODES, planGateway} from '../../../src/lib/gateway/plan.js'
import {writeFiles} from '../../../src/lib/gateway/write-files.js'
import {CUSTOM_BLOCKS_SPACE, DEFAULT_BLOCKS_SPACE, startSandbox} from '../../../src/sandbox/index.js'
import {runCli} from '../../support/run-cli.js'
import {type LabEvent, type LabFigures, labFigures, parseLines} from './figures.js'
import {bootLab, missingForLab, noLabKernelsLeft, removeInitramfs} from './vm.js'

/*
 * The generated gateway configuration on a real Linux kernel (Debian's, in a virtual machine), against a far end modelled on AWS
 * Site-to-Site VPN, through the life of a gateway: both tunnels come up by themselves, one SA pair each, TCP from
 * every routable CIDR while the far end answers on the other tunnel, graceful maintenance of each tunnel, silent loss
 * of the tunnel that carries the traffic, and a restart of the gateway. guest/lab.sh plays it; this file makes the
 * connection with the built CLI against the sandbox, installs nothing itself, and judges what the lab saw.
 */

/** The bars of issue 8, in seconds. */
const BARS = {bringUp: 30, maintenanceOutage: 5, maintenanceRecovery: 60, silentLossOutage: 45, silentLossRecovery: 200}
const MAINTENANCE_AWAY_SECONDS = 20
/** Longer than the customer's and the far end's failure detection, so that both sides have given the tunnel up. */
const SILENT_AWAY_SECONDS = 60
const RUN_TIMEOUT_MS = 15 * 60_000

/** The customer gateway inside the lab: TEST-NET-1, never one of the sandbox's tunnel IPs (TEST-NET-2 and -3). */
const CUSTOMER_IP = '192.0.2.10'
const PUBLIC_IP = '52.91.173.226'
const NAME = 'office'
const CIDRS = {one: ['172.16.0.0/16'], several: ['172.16.0.0/16', '192.168.50.0/24', '10.99.0.0/24']}

const missing = missingForLab()
const required = process.env.REQUIRE_STRONGSWAN === '1'
if (missing.length > 0 && !required) {
  console.warn(
    `Skipping the real-kernel gateway lab; it cannot run here:\n${missing.join('\n')}\n(REQUIRE_STRONGSWAN=1 turns this into a failure.)`,
  )
}

const MATRIX = (Object.keys(GATEWAY_FORMATS) as Array<keyof typeof GATEWAY_FORMATS>).flatMap((format) =>
  ([1, 2] as const).flatMap((ike) => (['one', 'several'] as const).map((cidrs) => ({cidrs, format, ike}))),
)

/** The printed form: each file under its `# /absolute/path` line, which is not part of it. */
function parsePrinted(stdout: string): Map<string, string> {
  const files = new Map<string, string>()
  const parts = stdout.split(/^# (\/\S+)\n/m)
  for (let index = 1; index < parts.length; index += 2)
    files.set(parts[index]!, parts[index + 1]!.replace(/\n\n$/, '\n'))
  return files
}

interface LabParams {
  /** Only bring the tunnels up and pass TCP, without the outages and the restart. */
  readonly bringUpOnly?: boolean
  readonly cidrs: readonly string[]
  readonly format: keyof typeof GATEWAY_FORMATS
  readonly ike: number
  readonly ips: readonly string[]
  readonly psks: readonly string[]
  readonly spaceCidr: string
}

/** Boots one lab kernel on `runDir`, where the generated files are, and returns what it saw; fails the test if the lab did not finish. */
async function runLab(runDir: string, nextSteps: string, params: LabParams) {
  await writeFile(join(runDir, 'next-steps.txt'), nextSteps)
  // the far end reads every key in base64, so that any key the API gives reaches it unchanged
  await writeFile(
    join(runDir, 'far-end-psks'),
    params.psks.map((psk) => `0s${Buffer.from(psk, 'utf8').toString('base64')}\n`).join(''),
  )
  const env = {
    CUSTOMER_IP,
    IKE: String(params.ike),
    MAINTENANCE_AWAY: String(MAINTENANCE_AWAY_SECONDS),
    ROUTABLE_CIDRS: params.cidrs.join(' '),
    SCENARIOS: params.bringUpOnly ? 'bring-up' : 'all',
    SILENT_AWAY: String(SILENT_AWAY_SECONDS),
    SPACE_CIDR: params.spaceCidr,
    STYLE: params.format === 'strongswan' ? 'ipsec' : 'swanctl',
    TUNNEL_IPS: params.ips.join(' '),
  }
  await writeFile(
    join(runDir, 'params.env'),
    Object.entries(env)
      .map(([key, value]) => `${key}="${value}"\n`)
      .join(''),
  )

  const run = await bootLab(runDir, RUN_TIMEOUT_MS)
  const readRunFile = (name: string) => readFile(join(runDir, name), 'utf8').catch(() => '')
  const events = parseLines<LabEvent>(await readRunFile('events.jsonl'))
  const probes = parseLines<{t: number}>(await readRunFile('probe.jsonl')).map((probe) => probe.t)
  const diagnosis = [
    `lab exit ${run.labExitCode}${run.timedOut ? ' (timed out)' : ''}; events:`,
    ...events.map((event) => JSON.stringify(event)),
    '--- guest.log (tail)',
    ...(await readRunFile('guest.log')).split('\n').slice(-30),
    '--- state.txt (tail)',
    ...(await readRunFile('state.txt')).split('\n').slice(-60),
  ].join('\n')
  if (run.labExitCode !== 0 || events.at(-1)?.event !== 'done') expect.fail(diagnosis)
  return {diagnosis, events, probes}
}

/** TCP from a host in every routable CIDR at `step`, out by tunnel 1 and back by tunnel 2 (the far end's choice). */
function expectTcpBothWays(events: readonly LabEvent[], step: string, cidrs: readonly string[], context: string): void {
  const tcp = events.filter((event) => event.event === 'tcp' && event.step === step)
  expect(
    tcp.map((event) => event.ok),
    `${step}\n${context}`,
  ).toEqual(cidrs.map(() => true))
  const carried = events.find((event) => event.event === 'carried' && event.step === step)!
  expect(carried.tunnel1In, `${step}: bytes into the space by tunnel 1\n${context}`).toBeGreaterThan(
    cidrs.length * 65_536,
  )
  expect(carried.tunnel2Out, `${step}: bytes out of the space by tunnel 2\n${context}`).toBeGreaterThan(
    cidrs.length * 65_536,
  )
}

const figuresByRun: Array<{readonly figures: LabFigures; readonly label: string}> = []

describe.skipIf(missing.length > 0 && !required)(
  'gateway configuration on a real Linux kernel, through maintenance, loss and restart',
  () => {
    let workDir: string

    beforeAll(async () => {
      if (missing.length > 0)
        throw new Error(`REQUIRE_STRONGSWAN=1, but the real-kernel lab cannot run here:\n${missing.join('\n')}`)
      workDir = await mkdtemp(join(tmpdir(), 'gateway-lab-'))
    })

    afterAll(async () => {
      if (figuresByRun.length > 0) {
        const rows = figuresByRun.map(({figures: f, label}) => {
          const seconds = (value: null | number | undefined) =>
            value === null || value === undefined ? 'n/a' : value.toFixed(1)
          return `${label}: up ${seconds(f.bringUpSeconds)} s; maintenance outage ${f.maintenance.map((m) => seconds(m.outageSeconds)).join('/')} s, back after ${f.maintenance.map((m) => seconds(m.recoverySeconds)).join('/')} s; silent loss outage ${f.silentLoss.map((m) => seconds(m.outageSeconds)).join('/')} s, back after ${f.silentLoss.map((m) => seconds(m.recoverySeconds)).join('/')} s; after a restart up ${seconds(f.restartBringUpSeconds)} s`
        })
        console.log(`Gateway lab figures:\n${rows.sort().join('\n')}`)
      }

      expect(noLabKernelsLeft(), 'a lab kernel outlived its test').toBe(true)
      await removeInitramfs()
      if (workDir) await rm(workDir, {force: true, recursive: true})
    })

    // at most four kernels at once (the e2e project's maxConcurrency): 2 cores, and most of a run waits on DPD and retransmissions
    it.concurrent.each(MATRIX)(
      '--format $format, IKEv$ike, $cidrs routable CIDR(s)',
      async ({cidrs, format, ike}) => {
        const space = ike === 1 ? DEFAULT_BLOCKS_SPACE : CUSTOM_BLOCKS_SPACE
        const routable = CIDRS[cidrs]
        const sandbox = await startSandbox({
          timing: {deprovisioning: 0, pending: 0.2, provisioning: 0.2, tunnelsUpAfter: null},
        })
        try {
          const cli = async (...args: string[]) => {
            const result = await runCli(args, {env: sandbox.env})
            expect(result.code, `heroku ${args.join(' ')}\n${result.stdout}${result.stderr}`).toBe(0)
            return result
          }

          await cli('spaces:vpn:connect', NAME, '--space', space, '--ip', PUBLIC_IP, '--cidrs', routable.join(','))
          await cli('spaces:vpn:wait', NAME, '--space', space, '--interval', '1')
          const connection = JSON.parse(
            (await cli('spaces:vpn:info', NAME, '--space', space, '--json')).stdout,
          ) as VpnConnection
          expect(connection.ike_version).toBe(ike)
          const tunnels = connection.tunnels!

          const runDir = await mkdtemp(join(workDir, `${format}-ikev${ike}-${cidrs}-`))
          const outputDir = join(runDir, 'gateway')
          const configArgs = [
            'spaces:vpn:config',
            NAME,
            '--space',
            space,
            '--format',
            format,
            '--local-ip',
            CUSTOMER_IP,
          ]
          const printed = await cli(...configArgs)
          const written = await cli(...configArgs, '--output-dir', outputDir)

          // one contract: the printed files are the written ones, with the modes the install steps give them
          const printedFiles = parsePrinted(printed.stdout)
          const installs = [...written.stderr.matchAll(/^ +sudo install -D -m (0\d+) (\S+) (\S+)$/gm)]
          expect(installs.map((install) => install[3])).toEqual([...printedFiles.keys()])
          expect((await readdir(outputDir)).sort()).toEqual(
            installs.map((install) => install[2]!.slice(outputDir.length + 1)).sort(),
          )
          for (const [, mode, source, destination] of installs) {
            expect(await readFile(source!, 'utf8'), `${source} as printed for ${destination}`).toBe(
              printedFiles.get(destination!),
            )
            expect(((await stat(source!)).mode & 0o777).toString(8).padStart(4, '0')).toBe(mode)
            expect(Object.values(FILE_MODES).map((value) => `0${value.toString(8)}`)).toContain(mode)
          }

          const {diagnosis, events, probes} = await runLab(runDir, written.stderr, {
            cidrs: routable,
            format,
            ike,
            ips: tunnels.map((tunnel) => tunnel.ip!),
            psks: tunnels.map((tunnel) => tunnel.pre_shared_key!),
            spaceCidr: connection.space_cidr_block!,
          })
          const figures = labFigures(events, probes)
          figuresByRun.push({figures, label: `${format} IKEv${ike} ${cidrs}`})
          const context = `${JSON.stringify(figures)}\n${diagnosis}`

          // exactly one SA pair per tunnel, on both ends, whatever the number of routable CIDRs, after every event
          for (const check of events.filter((event) => event.event === 'sa-pairs')) {
            expect(check.counts, `${check.step}\n${context}`).toEqual({aws1: 2, aws2: 2, gw1: 2, gw2: 2})
          }

          for (const step of ['initial', 'after-outages', 'after-restart'])
            expectTcpBothWays(events, step, routable, context)

          expect(figures.bringUpSeconds, context).not.toBeNull()
          expect(figures.bringUpSeconds!, context).toBeLessThanOrEqual(BARS.bringUp)
          expect(figures.restartBringUpSeconds, context).not.toBeNull()
          expect(figures.restartBringUpSeconds!, context).toBeLessThanOrEqual(BARS.bringUp)
          expect(figures.maintenance, context).toHaveLength(2)
          for (const maintenance of figures.maintenance) {
            expect(maintenance.outageSeconds, context).toBeLessThanOrEqual(BARS.maintenanceOutage)
            expect(maintenance.recoverySeconds, context).not.toBeNull()
            expect(maintenance.recoverySeconds!, context).toBeLessThanOrEqual(BARS.maintenanceRecovery)
          }

          expect(figures.silentLoss, context).toHaveLength(1)
          for (const loss of figures.silentLoss) {
            expect(loss.outageSeconds, context).toBeLessThanOrEqual(BARS.silentLossOutage)
            expect(loss.recoverySeconds, context).not.toBeNull()
            expect(loss.recoverySeconds!, context).toBeLessThanOrEqual(BARS.silentLossRecovery)
          }

          // Heroku's view: the tunnels the far end has up, then the check the next steps end with
          for (const tunnel of [1, 2]) sandbox.control.setTunnelStatus({connection: NAME, space, tunnel}, 'UP')
          // the line names the program as it was run (here the built bin/run.js), then the command
          const waitLine = /^ +\S+ (spaces:vpn:wait .*--tunnels-up)$/m.exec(written.stderr)![1]!
          const waitArgs = waitLine.split(' ')
          expect(waitArgs).toEqual(['spaces:vpn:wait', NAME, '--space', space, '--tunnels-up'])
          await cli(...waitArgs, '--timeout', '10')
        } finally {
          await sandbox.stop()
        }
      },
      RUN_TIMEOUT_MS * 2,
    )

    /** The sandbox's keys are plain; these are written in base64 (0s...), which every file must read back exactly. */
    const AWKWARD_PSKS = [String.raw`a "quoted" \ key, with spaces and ü`, '0x1234abcd']

    it.concurrent.each(Object.keys(GATEWAY_FORMATS) as Array<keyof typeof GATEWAY_FORMATS>)(
      '--format %s: pre-shared keys with quotes, backslashes, commas, non-ASCII or a 0x prefix authenticate',
      async (format) => {
        const names = {name: NAME, space: 'acme-space'}
        const ips = ['203.0.113.21', '198.51.100.21']
        const connection: VpnConnection = {
          ike_version: 2,
          name: NAME,
          public_ip: PUBLIC_IP,
          routable_cidrs: CIDRS.one,
          space_cidr_block: '10.0.0.0/16',
          status: 'active',
          tunnels: ips.map((ip, index) => ({ip, pre_shared_key: AWKWARD_PSKS[index]})),
        }
        const plan = planGateway({connection, localIp: CUSTOMER_IP, names, target: names})
        const gateway = GATEWAY_FORMATS[format].build(plan)
        for (const psk of AWKWARD_PSKS)
          expect(gateway.files.map((file) => file.content).join(',')).toContain(
            `0s${Buffer.from(psk, 'utf8').toString('base64')}`,
          )
        const runDir = await mkdtemp(join(workDir, `${format}-keys-`))
        const written = await writeFiles(
          join(runDir, 'gateway'),
          gateway.files.map((file) => ({...file, mode: FILE_MODES[file.kind]})),
          {force: false},
        )
        const {diagnosis, events} = await runLab(runDir, formatNextSteps(plan, gateway, names, written), {
          bringUpOnly: true,
          cidrs: CIDRS.one,
          format,
          ike: 2,
          ips,
          psks: AWKWARD_PSKS,
          spaceCidr: '10.0.0.0/16',
        })
        expect(
          events.map((event) => event.event),
          diagnosis,
        ).toContain('both-up')
        expectTcpBothWays(events, 'initial', CIDRS.one, diagnosis)
      },
      RUN_TIMEOUT_MS * 2,
    )
  },
)
