import {shortened} from '../errors.js'

/** Names `connect` will create: safe in a URL, a shell and a strongSwan conn name alike. */
const CONNECTION_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/

const CONNECTION_NAME_RULE = '1 to 63 letters, digits, "-", "_" or ".", starting with a letter or digit'

export function checkConnectionName(name: string): string | undefined {
  if (CONNECTION_NAME_PATTERN.test(name)) return undefined
  return `NAME "${shortened(name)}" is not a valid VPN connection name: use ${CONNECTION_NAME_RULE}, e.g. office`
}

/**
 * The longest name or id of a space or connection that is looked up. Heroku's are a few dozen characters (an id is
 * 36); a much longer path segment is refused by servers and proxies (HTTP 414 or 431) instead of being looked up.
 */
export const MAX_LOOKUP_NAME_LENGTH = 255

/** A name or id too long to be one, given as `label` (--space, NAME); undefined when it may be one. */
export function checkLookupName(label: string, value: string): string | undefined {
  const {length} = [...value]
  if (length <= MAX_LOOKUP_NAME_LENGTH) return undefined
  return `${label} "${shortened(value)}" is too long to be a name or id: it has ${length.toLocaleString('en-US')} characters, and Heroku's names and ids have at most ${MAX_LOOKUP_NAME_LENGTH}`
}
