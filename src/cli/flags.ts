import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {parseSeconds} from '../lib/rules/duration.js'
import {InputError, inputErrors, NOTHING_SENT} from '../lib/errors.js'
import {DEFAULT_WAIT_INTERVAL_SECONDS, DEFAULT_WAIT_TIMEOUT_SECONDS, MIN_WAIT_INTERVAL_SECONDS, type WaitOptions} from '../lib/actions/polling.js'

export const spaceFlag = Flags.string({char: 's', description: 'name or id of the Private Space', required: true})

export const jsonFlag = Flags.boolean({description: 'print the Platform API object as JSON, and nothing else, on stdout'})

export const nameArg = Args.string({description: 'name or id of the VPN connection (or give it with --name)'})

/** The article writes `--name office`; the Heroku CLI takes NAME as an argument. Both work. */
export const nameFlag = Flags.string({char: 'n', description: 'name of the VPN connection, as an alternative to the NAME argument'})

/** The --space value, refused when blank: an empty path segment would ask for another endpoint. */
export function spaceName(value: string): string {
  if (value.trim() === '') {
    throw new InputError(`--space is empty: give the name or id of the Private Space, e.g. acme-space. ${NOTHING_SENT}`)
  }

  return value
}

export function connectionName(fromArg: string | undefined, fromFlag: string | undefined): string {
  if (fromArg !== undefined && fromFlag !== undefined && fromArg !== fromFlag) {
    throw new InputError(`The NAME argument "${fromArg}" and --name "${fromFlag}" differ: give the connection's name once. ${NOTHING_SENT}`)
  }

  const name = fromArg ?? fromFlag
  if (name === undefined || name.trim() === '') {
    throw new InputError(`Missing the VPN connection's name: give it as the NAME argument, e.g. office. ${NOTHING_SENT}`)
  }

  return name
}

export const intervalFlag = Flags.string({
  char: 'i',
  description: `seconds between polls, at least ${MIN_WAIT_INTERVAL_SECONDS} [default: ${DEFAULT_WAIT_INTERVAL_SECONDS}]`,
})

export const timeoutFlag = Flags.string({
  char: 't',
  description: `seconds to wait at most before giving up with exit code 124 [default: ${DEFAULT_WAIT_TIMEOUT_SECONDS}]`,
})

/** --interval and --timeout in milliseconds, or both problems at once before anything is sent. */
export function waitTiming(flags: {interval?: string; timeout?: string}): Omit<WaitOptions, 'tunnelsUp'> {
  const interval = parseSeconds('--interval', flags.interval ?? String(DEFAULT_WAIT_INTERVAL_SECONDS), {
    because: 'the Platform API allows about 4,500 requests an hour for your account, and faster polling would use them up',
    min: MIN_WAIT_INTERVAL_SECONDS,
  })
  const timeout = parseSeconds('--timeout', flags.timeout ?? String(DEFAULT_WAIT_TIMEOUT_SECONDS))
  const problems = [interval, timeout].filter((value): value is string => typeof value === 'string')
  if (problems.length > 0) throw inputErrors(problems, NOTHING_SENT)
  return {intervalMs: (interval as number) * 1000, timeoutMs: (timeout as number) * 1000}
}
