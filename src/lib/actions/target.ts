import {InputError, NOTHING_SENT, shortened} from '../errors.js'
import {checkLookupName} from '../rules/names.js'

function refuseTooLong(label: string, value: string): void {
  const problem = checkLookupName(label, value)
  if (problem !== undefined) throw new InputError(`${problem}. ${NOTHING_SENT}`)
}

/** The --space value, refused when blank (an empty path segment would ask for another endpoint) or far too long. */
export function spaceName(value: string): string {
  if (value.trim() === '') {
    throw new InputError(`--space is empty: give the name or id of the Private Space, e.g. acme-space. ${NOTHING_SENT}`)
  }

  refuseTooLong('--space', value)
  return value
}

/** The connection's name, from the NAME argument or --name; both may be given if they agree. */
export function connectionName(fromArg: string | undefined, fromFlag: string | undefined): string {
  if (fromArg !== undefined && fromFlag !== undefined && fromArg !== fromFlag) {
    throw new InputError(
      `The NAME argument "${shortened(fromArg)}" and --name "${shortened(fromFlag)}" differ: give the connection's name once. ${NOTHING_SENT}`,
    )
  }

  const name = fromArg ?? fromFlag
  if (name === undefined || name.trim() === '') {
    throw new InputError(
      `Missing the VPN connection's name: give it as the NAME argument, e.g. office. ${NOTHING_SENT}`,
    )
  }

  refuseTooLong('NAME', name)
  return name
}
