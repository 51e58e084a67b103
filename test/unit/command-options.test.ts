import {describe, expect, it} from 'vitest'

import Config from '../../src/commands/spaces/vpn/config.js'
import Connect from '../../src/commands/spaces/vpn/connect.js'
import Connections from '../../src/commands/spaces/vpn/connections.js'
import Destroy from '../../src/commands/spaces/vpn/destroy.js'
import Info from '../../src/commands/spaces/vpn/info.js'
import Update from '../../src/commands/spaces/vpn/update.js'
import Wait from '../../src/commands/spaces/vpn/wait.js'
import {ExitCode} from '../../src/lib/exit-codes.js'
import {rejection} from '../support/fixtures.js'

/**
 * argv through each command's work, as run() takes it: its own oclif definitions, then its options function. The
 * options functions take no context, so a refusal here is made before anything could be sent.
 */
const OPTIONS = {
  config: (argv: string[]) => Config.work.options(argv),
  connect: (argv: string[]) => Connect.work.options(argv),
  connections: (argv: string[]) => Connections.work.options(argv),
  destroy: (argv: string[]) => Destroy.work.options(argv),
  info: (argv: string[]) => Info.work.options(argv),
  update: (argv: string[]) => Update.work.options(argv),
  wait: (argv: string[]) => Wait.work.options(argv),
}

type CommandName = keyof typeof OPTIONS

const SPACE = ['--space', 'acme-space']
const NOTHING_SENT = 'Nothing was sent to Heroku.'
const DEFAULT_TIMING = {intervalMs: 10_000, timeoutMs: 1_200_000}

/** The timing of an --interval below the minimum of 1 s: polls every second, said once. */
function pollingAtTheMinimum(interval: string) {
  return {
    ...DEFAULT_TIMING,
    intervalMs: 1000,
    intervalWarning: `--interval ${interval.trim()} is below the minimum of 1 s, so it polls every 1 s: the Platform API allows about 4,500 requests an hour for your account, and faster polling would use them up.`,
  }
}

/** Each command that names a connection: the rest of a valid argv, and the options it gives for `office`. */
const NAMED: Record<Exclude<CommandName, 'connections'>, {readonly argv: string[]; readonly options: object}> = {
  config: {argv: SPACE, options: {force: false, format: 'table', localIp: undefined, outputDir: undefined}},
  connect: {
    argv: [...SPACE, '--ip', '52.91.173.226', '--cidrs', '172.16.0.0/16'],
    options: {cidrs: '172.16.0.0/16', ifNotExists: false, ip: '52.91.173.226', json: false},
  },
  destroy: {argv: SPACE, options: {confirm: undefined, json: false, waitUntilGone: undefined}},
  info: {argv: SPACE, options: {json: false}},
  update: {argv: [...SPACE, '--cidrs', '172.16.0.0/16'], options: {cidrs: '172.16.0.0/16', json: false}},
  wait: {argv: SPACE, options: {...DEFAULT_TIMING, json: false, tunnelsUp: false}},
}

const VALID: Array<[CommandName, string[], object]> = [
  ...Object.entries(NAMED).flatMap(([command, {argv, options}]) => {
    const expected = {...options, name: 'office', space: 'acme-space'}
    return [
      [command, ['office', ...argv], expected],
      [command, ['--name', 'office', ...argv], expected],
      [command, ['-n', 'office', 'office', ...argv], expected],
    ] as Array<[CommandName, string[], object]>
  }),
  ['connections', SPACE, {json: false, space: 'acme-space'}],
  ['connections', ['-s', 'acme-space', '--json'], {json: true, space: 'acme-space'}],
  [
    'connect',
    [
      'office',
      '-s',
      'acme-space',
      '-i',
      '52.91.173.226',
      '-c',
      '172.16.0.0/16,192.168.10.0/24',
      '--if-not-exists',
      '--json',
    ],
    {
      cidrs: '172.16.0.0/16,192.168.10.0/24',
      ifNotExists: true,
      ip: '52.91.173.226',
      json: true,
      name: 'office',
      space: 'acme-space',
    },
  ],
  [
    'config',
    ['office', ...SPACE, '--json'],
    {force: false, format: 'json', localIp: undefined, name: 'office', outputDir: undefined, space: 'acme-space'},
  ],
  [
    'config',
    ['office', ...SPACE, '--format', 'swanctl', '--local-ip', '172.16.0.2', '--output-dir', 'gateway', '--force'],
    {force: true, format: 'swanctl', localIp: '172.16.0.2', name: 'office', outputDir: 'gateway', space: 'acme-space'},
  ],
  [
    'destroy',
    ['office', ...SPACE, '--confirm', 'office'],
    {confirm: 'office', json: false, name: 'office', space: 'acme-space', waitUntilGone: undefined},
  ],
  [
    'destroy',
    ['office', ...SPACE, '--wait'],
    {confirm: undefined, json: false, name: 'office', space: 'acme-space', waitUntilGone: DEFAULT_TIMING},
  ],
  [
    'destroy',
    ['office', ...SPACE, '--wait', '--interval', '1', '--timeout', '600'],
    {
      confirm: undefined,
      json: false,
      name: 'office',
      space: 'acme-space',
      waitUntilGone: {intervalMs: 1000, timeoutMs: 600_000},
    },
  ],
  ['info', ['office', ...SPACE, '--json'], {json: true, name: 'office', space: 'acme-space'}],
  [
    'update',
    ['office', ...SPACE, '-c', '10.1.0.0/24', '--json'],
    {cidrs: '10.1.0.0/24', json: true, name: 'office', space: 'acme-space'},
  ],
  [
    'wait',
    ['office', ...SPACE, '-i', '2.5', '-t', '90', '--tunnels-up', '--json'],
    {intervalMs: 2500, json: true, name: 'office', space: 'acme-space', timeoutMs: 90_000, tunnelsUp: true},
  ],
  ...[['0'], ['0.5'], [' 0 ']].map(
    ([interval]) =>
      [
        'wait',
        ['office', ...SPACE, '--interval', interval],
        {...NAMED.wait.options, ...pollingAtTheMinimum(interval!), name: 'office', space: 'acme-space'},
      ] as [CommandName, string[], object],
  ),
  [
    'destroy',
    ['office', ...SPACE, '--wait', '--interval', '0'],
    {...NAMED.destroy.options, name: 'office', space: 'acme-space', waitUntilGone: pollingAtTheMinimum('0')},
  ],
]

const DIFFERENT_NAMES = `The NAME argument "office" and --name "home" differ: give the connection's name once. ${NOTHING_SENT}`
const NO_NAME = `Missing the VPN connection's name: give it as the NAME argument, e.g. office. ${NOTHING_SENT}`
const BLANK_SPACE = `--space is empty: give the name or id of the Private Space, e.g. acme-space. ${NOTHING_SENT}`

/** Refused by our checks: exit code 2 and this exact message. */
const REFUSED: Array<[CommandName, string[], string]> = [
  ...Object.entries(NAMED).flatMap(
    ([command, {argv}]) =>
      [
        [command, ['office', '--name', 'home', ...argv], DIFFERENT_NAMES],
        [command, argv, NO_NAME],
        [command, ['', ...argv], NO_NAME],
        [command, ['office', ...argv.map((word) => (word === 'acme-space' ? ' ' : word))], BLANK_SPACE],
      ] as Array<[CommandName, string[], string]>,
  ),
  ['connections', ['--space', ''], BLANK_SPACE],
  [
    'config',
    ['office', ...SPACE, '--local-ip', '172.16.0.2'],
    `--local-ip applies to --format strongswan and --format swanctl only, not to --format table\n${NOTHING_SENT}`,
  ],
  [
    'config',
    ['office', ...SPACE, '--json', '--force'],
    `--force applies to --format strongswan and --format swanctl only, not to --format json\n${NOTHING_SENT}`,
  ],
  [
    'wait',
    ['office', ...SPACE, '--interval=-1'],
    `--interval "-1" is not a number of seconds: give a number from 1 to 604800 (a week), e.g. 10 or 1\n${NOTHING_SENT}`,
  ],
  [
    'wait',
    ['office', ...SPACE, '--interval', 'soon', '--timeout', '0'],
    [
      '2 problems with the input:',
      '- --interval "soon" is not a number of seconds: give a number from 1 to 604800 (a week), e.g. 10 or 1',
      '- --timeout "0" is not a positive number of seconds: give a number greater than 0 and at most 604800 (a week), e.g. 10 or 0.5',
      NOTHING_SENT,
    ].join('\n'),
  ],
  // the seconds are checked before the space, as they always were
  [
    'wait',
    ['office', '--space', ' ', '--timeout', 'x'],
    `--timeout "x" is not a positive number of seconds: give a number greater than 0 and at most 604800 (a week), e.g. 10 or 0.5\n${NOTHING_SENT}`,
  ],
  // a pasted file is named by its start and length, not echoed whole
  [
    'wait',
    ['office', ...SPACE, '--timeout', 'x'.repeat(5000)],
    `--timeout "${'x'.repeat(100)}… (5,000 characters)" is not a positive number of seconds: give a number greater than 0 and at most 604800 (a week), e.g. 10 or 0.5\n${NOTHING_SENT}`,
  ],
  [
    'destroy',
    ['office', ...SPACE, '--wait', '--timeout', '-1'],
    `--timeout "-1" is not a positive number of seconds: give a number greater than 0 and at most 604800 (a week), e.g. 10 or 0.5\n${NOTHING_SENT}`,
  ],
]

/** Refused by oclif's parser, with its own exit code 2 and a message that says so. */
const REFUSED_BY_OCLIF: Array<[CommandName, string[], string]> = [
  ['connections', [], 'Missing required flag space'],
  ['connect', ['office', ...SPACE, '--ip', '52.91.173.226'], 'Missing required flag cidrs'],
  [
    'config',
    ['office', ...SPACE, '--format', 'openswan'],
    'Expected --format=openswan to be one of: table, json, strongswan, swanctl',
  ],
  [
    'config',
    ['office', ...SPACE, '--format', 'swanctl', '--json'],
    '--format=swanctl cannot also be provided when using --json',
  ],
  [
    'destroy',
    ['office', ...SPACE, '--interval', '1'],
    'All of the following must be provided when using --interval: --wait',
  ],
  ['info', ['office', 'home', ...SPACE], 'Unexpected argument: home'],
]

describe('argv to options', () => {
  it.each(VALID)('%s %j', async (command, argv, expected) => {
    expect(await OPTIONS[command](argv)).toStrictEqual(expected)
  })

  it.each(REFUSED)('%s %j is refused with exit code 2', async (command, argv, message) => {
    await expect(OPTIONS[command](argv)).rejects.toMatchObject({exitCode: ExitCode.usage, message})
  })

  it.each(REFUSED_BY_OCLIF)('%s %j is refused by the parser', async (command, argv, message) => {
    const error = (await rejection(OPTIONS[command](argv))) as Error & {oclif?: {exit?: number}}
    expect(error.oclif?.exit).toBe(ExitCode.usage)
    expect(error.message).toContain(message)
  })
})
