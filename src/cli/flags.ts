import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {InputError, NOTHING_SENT} from '../lib/errors.js'

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
