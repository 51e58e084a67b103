/** Names `connect` will create: safe in a URL, a shell and a strongSwan conn name alike. */
const CONNECTION_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/

const CONNECTION_NAME_RULE = '1 to 63 letters, digits, "-", "_" or ".", starting with a letter or digit'

export function checkConnectionName(name: string): string | undefined {
  if (CONNECTION_NAME_PATTERN.test(name)) return undefined
  return `NAME "${name}" is not a valid VPN connection name: use ${CONNECTION_NAME_RULE}, e.g. office`
}
