import {InputError, NOTHING_SENT} from '../errors.js'

/** The --space value, refused when blank: an empty path segment would ask for another endpoint. */
export function spaceName(value: string): string {
  if (value.trim() === '') {
    throw new InputError(`--space is empty: give the name or id of the Private Space, e.g. acme-space. ${NOTHING_SENT}`)
  }

  return value
}

/** The connection's name, from the NAME argument or --name; both may be given if they agree. */
export function connectionName(fromArg: string | undefined, fromFlag: string | undefined): string {
  if (fromArg !== undefined && fromFlag !== undefined && fromArg !== fromFlag) {
    throw new InputError(
      `The NAME argument "${fromArg}" and --name "${fromFlag}" differ: give the connection's name once. ${NOTHING_SENT}`,
    )
  }

  const name = fromArg ?? fromFlag
  if (name === undefined || name.trim() === '') {
    throw new InputError(
      `Missing the VPN connection's name: give it as the NAME argument, e.g. office. ${NOTHING_SENT}`,
    )
  }

  return name
}
