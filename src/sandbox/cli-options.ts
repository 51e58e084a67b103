import {parseArgs} from 'node:util'

import type {SandboxOptions} from './index.js'

import {secondsFromText} from '../lib/rules/duration.js'
import {ADMIN_PREFIX} from './routes.js'
import {describeSpaceSeed, SPACE_SEEDS} from './seeds.js'
import {DEMO_TIMING, REALISTIC_TIMING, type SandboxTiming} from './timing.js'

export const SANDBOX_USAGE = `Usage: npm run sandbox -- [flags]    (or: node dist/sandbox/cli.js [flags])

A local stand-in for the Heroku Platform API's space and VPN-connection endpoints, on 127.0.0.1.
It prints HEROKU_HOST=... and HEROKU_API_KEY=... on stdout; export them to point the Heroku CLI at it.
Ctrl-C or SIGTERM stops it.

Flags:
  --port N                    port to listen on (default: a free one)
  --api-key KEY               the API key it accepts (default: sandbox-api-key)
  --pending SECONDS           a new connection stays pending this long (default ${DEMO_TIMING.pending})
  --provisioning SECONDS      then provisioning this long, then it is active (default ${DEMO_TIMING.provisioning})
  --tunnels-up-after SECONDS  its tunnels come UP this long after it is active, or "never" (default ${DEMO_TIMING.tunnelsUpAfter})
  --deprovisioning SECONDS    a deleted connection is gone after this long (default ${DEMO_TIMING.deprovisioning})
  --realistic                 minutes instead of seconds: ${describeTiming(REALISTIC_TIMING)}
  --quiet                     do not log each request on stderr
  -h, --help                  show this help

SECONDS may be a decimal, 0 for instant, or carry a unit: 90s, 4m.

Seeded spaces:
${describeSeededSpaces()}

Admin endpoints (no API key): GET ${ADMIN_PREFIX} lists them.`

export function describeSeededSpaces(): string {
  const width = Math.max(...SPACE_SEEDS.map((seed) => seed.name.length))
  return SPACE_SEEDS.map((seed) => `  ${seed.name.padEnd(width)}  ${describeSpaceSeed(seed)}`).join('\n')
}

export function describeTiming(timing: SandboxTiming): string {
  const up = timing.tunnelsUpAfter === null ? 'never' : `${timing.tunnelsUpAfter} s`
  return `pending ${timing.pending} s, provisioning ${timing.provisioning} s, tunnels UP after ${up}, deprovisioning ${timing.deprovisioning} s`
}

export type CliCommand =
  | {readonly kind: 'help'}
  | {readonly kind: 'invalid'; readonly message: string}
  | {readonly kind: 'start'; readonly options: SandboxOptions; readonly quiet: boolean}

/** Seconds from `90`, `1.5`, `90s` or `4m`; `never` (when allowed) is null. */
export function parseDuration(flag: string, text: string, allowNever = false): null | number | string {
  if (allowNever && text === 'never') return null
  const [, number = '', unit] = /^(.*?)([sm]?)$/.exec(text.trim()) ?? []
  const seconds = secondsFromText(number)
  if (seconds === undefined)
    return `--${flag} "${text}" is not a duration: give seconds such as 0, 1.5, 90s or 4m${allowNever ? ', or never' : ''}`
  return seconds * (unit === 'm' ? 60 : 1)
}

function parsePort(text: string): number | string {
  const port = /^\d+$/.test(text) ? Number(text) : Number.NaN
  return port >= 0 && port <= 65_535 ? port : `--port "${text}" is not a port number from 0 to 65535`
}

const TIMING_FLAGS = [
  ['pending', 'pending'],
  ['provisioning', 'provisioning'],
  ['tunnels-up-after', 'tunnelsUpAfter'],
  ['deprovisioning', 'deprovisioning'],
] as const

export function parseCliArguments(argv: readonly string[]): CliCommand {
  let values
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        'api-key': {type: 'string'},
        deprovisioning: {type: 'string'},
        help: {short: 'h', type: 'boolean'},
        pending: {type: 'string'},
        port: {type: 'string'},
        provisioning: {type: 'string'},
        quiet: {type: 'boolean'},
        realistic: {type: 'boolean'},
        'tunnels-up-after': {type: 'string'},
      },
      strict: true,
    }).values
  } catch (error) {
    return {kind: 'invalid', message: (error as Error).message}
  }

  if (values.help) return {kind: 'help'}
  const timing: Record<string, null | number> = {...(values.realistic ? REALISTIC_TIMING : DEMO_TIMING)}
  for (const [flag, key] of TIMING_FLAGS) {
    const text = values[flag]
    if (text === undefined) continue
    const seconds = parseDuration(flag, text, key === 'tunnelsUpAfter')
    if (typeof seconds === 'string') return {kind: 'invalid', message: seconds}
    timing[key] = seconds
  }

  const port = parsePort(values.port ?? '0')
  if (typeof port === 'string') return {kind: 'invalid', message: port}
  const apiKey = values['api-key']
  if (apiKey?.trim() === '') return {kind: 'invalid', message: '--api-key is empty'}
  return {
    kind: 'start',
    options: {apiKey, port, timing: timing as Partial<SandboxTiming>},
    quiet: values.quiet ?? false,
  }
}
