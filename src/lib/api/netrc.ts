import {join} from 'node:path'

/** Where @heroku-cli/command 13 keeps the netrc: HOME (on Windows also HOMEDRIVE+HOMEPATH, USERPROFILE), `.gpg` first. */
export interface NetrcLocationInput {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly exists: (path: string) => boolean
  readonly homedir: () => string
  readonly platform: NodeJS.Platform
  readonly tmpdir: () => string
}

export function netrcFile(input: NetrcLocationInput): string {
  let home: string | undefined
  if (input.platform === 'win32') {
    const {HOME, HOMEDRIVE, HOMEPATH, USERPROFILE} = input.env
    home = HOME || (HOMEDRIVE && HOMEPATH ? join(HOMEDRIVE, HOMEPATH) : undefined) || USERPROFILE
  }

  const file = join(home || input.homedir() || input.tmpdir(), input.platform === 'win32' ? '_netrc' : '.netrc')
  return input.exists(`${file}.gpg`) ? `${file}.gpg` : file
}

export type NetrcMachine = Readonly<Record<string, string | undefined>>

/**
 * The machines of a netrc body, read exactly as @heroku-cli/command 13's own parser reads them (a differential test
 * holds the two together), quirks included: properties of a multi-line machine must be indented, only the first
 * machine of a host counts, and an inline machine is split on single spaces. Its parser is not imported because it
 * loads execa (about 75 ms) for the gpg case, which is left to @heroku-cli/command itself.
 */
export function parseNetrc(body: string): ReadonlyMap<string, NetrcMachine> {
  const lines = body.split('\n')
  const machines = new Map<string, NetrcMachine>()
  while (lines.length > 0) {
    const match = lines.shift()!.match(/machine\s+((?:[^\s#]+\s*)+)(#.*)?$/)
    if (!match) continue
    const definition = match[1]!
    const [host, ...inline] = definition.split(' ')
    const props: Record<string, string | undefined> = {}
    if (definition.trim().includes(' ')) {
      for (let index = 0; index < inline.length; index += 2) props[inline[index]!] = inline[index + 1]
    } else {
      while (lines.length > 0) {
        const property = lines[0]!.match(/^(\s+)(\S+)\s+(\S+)(\s+#.*)?$/)
        if (!property) break
        lines.shift()
        props[property[2]!] = property[3]
      }
    }

    if (!machines.has(host!)) machines.set(host!, props)
  }

  return machines
}
