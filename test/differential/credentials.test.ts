import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it, vi} from 'vitest'

import {processCredentialHost, resolveCredentials, storedCredentials} from '../../src/lib/api/credentials.js'
import {parseNetrc} from '../../src/lib/api/netrc.js'

/*
 * Our choice of token without HEROKU_API_KEY, side by side with @heroku-cli/command 13's own (`getAuthEntry`), in the
 * same process and environment: every storage mode, every HEROKU_HOST form, netrc files as people write them. A
 * stand-in `secret-tool` on the PATH plays the Linux Secret Service, so the OS-store mode is real too.
 */

const ACCOUNT = 'me@example.com'
const KEYCHAIN_TOKEN = 'token-from-the-secret-service'

const NETRCS = {
  'an explicit default port': `machine api.heroku.com:443\n  login ${ACCOUNT}\n  password port-token\n`,
  'another host only': `machine api.herokudev.com\n  login other@example.com\n  password other-account-token\n`,
  'comments and a default': `# work\nmachine api.heroku.com # heroku\n  login ${ACCOUNT}\n  password commented-token # the token\ndefault login anonymous password guest\n`,
  'CRLF line ends': `machine api.heroku.com\r\n  login ${ACCOUNT}\r\n  password crlf-token\r\n`,
  empty: '',
  'heroku login': `machine api.heroku.com\n  login ${ACCOUNT}\n  password netrc-token\nmachine git.heroku.com\n  login ${ACCOUNT}\n  password netrc-token\n`,
  'inline, two machines': `machine api.heroku.com login ${ACCOUNT} password inline-token\nmachine api.herokudev.com login other@example.com password other-account-token\n`,
  none: undefined,
  'no password': `machine api.heroku.com\n  login ${ACCOUNT}\n`,
  tabs: `machine\tapi.heroku.com\n\tlogin ${ACCOUNT}\n\tpassword tab-token\n`,
  'the same host twice': `machine api.heroku.com\n  login first@example.com\n  password first-token\nmachine api.heroku.com\n  login second@example.com\n  password second-token\n`,
  'the sandbox with its port': `machine 127.0.0.1:5000\n  login ${ACCOUNT}\n  password sandbox-token\nmachine api.heroku.com\n  login ${ACCOUNT}\n  password netrc-token\n`,
  'unindented properties': `machine api.heroku.com\nlogin ${ACCOUNT}\npassword unindented-token\n`,
} as const satisfies Record<string, string | undefined>

const HOSTS = [
  undefined,
  'heroku.com',
  'staging.herokudev.com',
  'https://api.heroku.com:443',
  'http://127.0.0.1:5000',
  'http://localhost:5000',
  'evil.example.com',
]

const MODES = {
  'HEROKU_NETRC_WRITE=true': {loginState: true, netrcWrite: 'true', secretTool: true},
  'no secret-tool on the PATH': {loginState: false, netrcWrite: undefined, secretTool: false},
  'secret-tool, HEROKU_NETRC_WRITE=false': {loginState: true, netrcWrite: 'false', secretTool: true},
  'secret-tool, logged in to it': {loginState: true, netrcWrite: undefined, secretTool: true},
  'secret-tool, no login state': {loginState: false, netrcWrite: undefined, secretTool: true},
} as const

type Core = typeof import('@heroku-cli/command')
let core: Core
let root: string
const saved = {...process.env}

/** In place: os.homedir() and the child processes read the process's real environment, not a replaced object. */
function setEnv(vars: Record<string, string>): void {
  for (const key of Object.keys(process.env)) delete process.env[key]
  Object.assign(process.env, vars)
}

beforeAll(async () => {
  // @heroku-cli/command warns on stderr about the invalid HEROKU_HOST forms of the table, once per case.
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
  vi.spyOn(console, 'error').mockImplementation(() => {})
  vi.spyOn(console, 'warn').mockImplementation(() => {})
  core = await import('@heroku-cli/command')
  root = await mkdtemp(join(tmpdir(), 'credentials-differential-'))
})
afterAll(async () => {
  vi.restoreAllMocks()
  await rm(root, {force: true, recursive: true})
})
afterEach(() => setEnv(saved as Record<string, string>))

let caseNumber = 0
async function machineWith(options: {
  gpg?: boolean
  host?: string
  mode: (typeof MODES)[keyof typeof MODES]
  netrc?: string
}) {
  const dir = join(root, String(caseNumber++))
  const [home, bin, dataDir] = ['home', 'bin', 'data'].map((name) => join(dir, name)) as [string, string, string]
  await Promise.all([home, bin, dataDir].map((folder) => mkdir(folder, {recursive: true})))
  if (options.netrc !== undefined)
    await writeFile(join(home, options.gpg ? '.netrc.gpg' : '.netrc'), options.netrc, {mode: 0o600})
  if (options.mode.secretTool) {
    await writeFile(
      join(bin, 'secret-tool'),
      `#!/bin/sh\n[ "$1" = lookup ] && [ "$5" = "${ACCOUNT}" ] && echo ${KEYCHAIN_TOKEN}\n`,
      {mode: 0o755},
    )
  }

  if (options.mode.loginState) await writeFile(join(dataDir, 'login.json'), JSON.stringify({account: ACCOUNT}))
  setEnv({
    HOME: home,
    PATH: `${bin}:/usr/bin:/bin`,
    ...(options.host === undefined ? {} : {HEROKU_HOST: options.host}),
    ...(options.mode.netrcWrite === undefined ? {} : {HEROKU_NETRC_WRITE: options.mode.netrcWrite}),
  })
  return {dataDir}
}

async function coreToken(dataDir: string): Promise<string | undefined> {
  const entry = await new core.APIClient({dataDir} as ConstructorParameters<Core['APIClient']>[0]).getAuthEntry()
  return entry?.token
}

async function ourToken(dataDir: string): Promise<string | undefined> {
  const options = {
    config: {dataDir} as ConstructorParameters<Core['APIClient']>[0],
    host: processCredentialHost(dataDir),
  }
  return resolveCredentials(process.env, options).then(
    (credentials) => credentials.token,
    () => undefined,
  )
}

const cases = Object.entries(MODES).flatMap(([mode, settings]) =>
  HOSTS.flatMap((host) => Object.entries(NETRCS).map(([netrc, body]) => ({body, host, mode, netrc, settings}))),
)

describe('the token without HEROKU_API_KEY, against @heroku-cli/command 13', () => {
  it.each(cases)('$mode, HEROKU_HOST=$host, netrc: $netrc', async ({body, host, settings}) => {
    const {dataDir} = await machineWith({host, mode: settings, netrc: body})
    const ours = await ourToken(dataDir)
    const stored = await storedCredentials(processCredentialHost(dataDir))
    // Run second: when it finds nothing it deletes the login state, which must not change what we read.
    const theirs = await coreToken(dataDir)
    expect(ours).toBe(theirs)
    // Answered without @heroku-cli/command exactly when the token is a plain netrc's and no OS store account applies.
    if (stored.kind === 'netrc') expect(stored.token).toBe(theirs)
    if (theirs !== undefined && theirs !== KEYCHAIN_TOKEN) expect(stored.kind).toBe('netrc')
  })

  it('leaves a gpg netrc to @heroku-cli/command, which finds it where we do', async () => {
    const {dataDir} = await machineWith({
      gpg: true,
      mode: MODES['no secret-tool on the PATH'],
      netrc: 'not really encrypted',
    })
    const stored = await storedCredentials(processCredentialHost(dataDir))
    expect(stored).toMatchObject({kind: 'delegate', reason: expect.stringContaining('.netrc.gpg')})
    expect(await ourToken(dataDir)).toBe(await coreToken(dataDir))
  })

  it('reads the netrc `heroku login` wrote without @heroku-cli/command, also next to an OS store it is not logged in to', async () => {
    for (const mode of [
      MODES['no secret-tool on the PATH'],
      MODES['secret-tool, no login state'],
      MODES['HEROKU_NETRC_WRITE=true'],
    ]) {
      const {dataDir} = await machineWith({mode, netrc: NETRCS['heroku login']})
      expect(await storedCredentials(processCredentialHost(dataDir))).toMatchObject({
        kind: 'netrc',
        machine: 'api.heroku.com',
        token: 'netrc-token',
      })
    }
  })

  it('never reads another account: the machine of another host is not used', async () => {
    const {dataDir} = await machineWith({
      host: 'heroku.com',
      mode: MODES['no secret-tool on the PATH'],
      netrc: NETRCS['another host only'],
    })
    expect(await ourToken(dataDir)).toBeUndefined()
  })
})

describe('parseNetrc, against @heroku-cli/command 13 parse', () => {
  it.each(Object.entries(NETRCS).filter(([, body]) => body !== undefined))('%s', async (_name, body) => {
    const {parse} = await import('@heroku-cli/command/lib/credential-manager-core/lib/netrc-parser.js')
    const theirs = parse(body as string) as unknown as Record<string, Record<string, string | undefined>>
    const ours = parseNetrc(body as string)
    expect([...ours.keys()].sort()).toEqual(Object.keys(theirs).sort())
    for (const [host, machine] of ours) {
      expect({login: machine.login, password: machine.password}).toEqual({
        login: theirs[host]!.login,
        password: theirs[host]!.password,
      })
    }
  })
})
