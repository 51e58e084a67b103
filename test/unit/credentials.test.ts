import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

import {
  apiEndpoint,
  credentialStore,
  type HerokuConfig,
  netrcMachineName,
  resolveCredentials,
} from '../../src/lib/api/credentials.js'
import {netrcFile} from '../../src/lib/api/netrc.js'

const saved = {...process.env}
afterEach(() => {
  process.env = {...saved}
})

describe('apiEndpoint', () => {
  it.each([
    [undefined],
    [''],
    ['heroku.com'],
    ['staging.herokudev.com'],
    ['http://127.0.0.1:5000'],
    ['http://localhost:5000'],
    ['https://api.example-heroku.com'],
    ['evil.example.com'],
    ['https://attacker.test'],
  ])('resolves HEROKU_HOST=%j exactly as @heroku-cli/command does', async (host) => {
    if (host === undefined) delete process.env.HEROKU_HOST
    else process.env.HEROKU_HOST = host
    const {vars} = await import('@heroku-cli/command')
    const ours = apiEndpoint(process.env)
    expect(ours.baseUrl).toBe(vars.apiUrl)
  })

  it('warns when HEROKU_HOST is not a Heroku or loopback host, and falls back to the real API', () => {
    expect(apiEndpoint({HEROKU_HOST: 'https://attacker.test'})).toEqual({
      baseUrl: 'https://api.heroku.com',
      warning:
        'HEROKU_HOST "https://attacker.test" is not an API host this program sends the key to (a host name under heroku.com, herokai.com, herokuspace.com, herokudev.com, or localhost or 127.0.0.1 in an http(s) URL): using https://api.heroku.com.',
    })
  })

  it.each([
    ['http://127.0.0.2:5000/#.heroku.com', 'http://127.0.0.2:5000/#.heroku.com'],
    ['http://127.0.0.2:5000/127.0.0.1', 'http://127.0.0.2:5000/127.0.0.1'],
    ['http://127.0.0.1.attacker.test:5000', 'http://127.0.0.1.attacker.test:5000'],
    ['http://localhost.attacker.test', 'http://localhost.attacker.test'],
    ['attacker.test/#.heroku.com', 'https://api.attacker.test/#.heroku.com'],
  ])(
    'decides HEROKU_HOST=%j on its host name, where @heroku-cli/command would send the key to %s',
    async (host, theirs) => {
      process.env.HEROKU_HOST = host
      const {vars} = await import('@heroku-cli/command')
      expect(vars.apiUrl).toBe(theirs)
      expect(apiEndpoint(process.env)).toMatchObject({baseUrl: 'https://api.heroku.com', warning: expect.any(String)})
      expect(netrcMachineName(process.env)).toBe('api.heroku.com')
    },
  )
})

describe('resolveCredentials: which paths load @heroku-cli/command', () => {
  const loads = vi.fn()
  beforeEach(() => {
    loads.mockClear()
    vi.doMock('@heroku-cli/command', () => {
      loads()
      return {
        APIClient: class {
          getAuth = async () => 'token-from-heroku-cli-command'
        },
      }
    })
  })
  afterEach(() => {
    vi.doUnmock('@heroku-cli/command')
  })

  const machine = (netrc: string | undefined, gpg = false) => ({
    dataDir: undefined,
    env: {},
    exists: (path: string) => gpg && path.endsWith('.gpg'),
    homedir: () => '/home/me',
    isOnPath: () => false,
    platform: 'linux' as const,
    readFile: async () => netrc,
    tmpdir: () => '/tmp',
  })
  const options = (netrc: string | undefined, gpg = false) => ({config: {} as HerokuConfig, host: machine(netrc, gpg)})

  it('takes HEROKU_API_KEY without loading it', async () => {
    await expect(resolveCredentials({HEROKU_API_KEY: 'key-1'}, options(undefined))).resolves.toEqual({token: 'key-1'})
    expect(loads).not.toHaveBeenCalled()
  })

  it('reads a plain netrc without loading it', async () => {
    const netrc = 'machine api.heroku.com\n  login me@example.com\n  password netrc-token\n'
    await expect(resolveCredentials({}, options(netrc))).resolves.toEqual({token: 'netrc-token'})
    expect(loads).not.toHaveBeenCalled()
  })

  it('loads it for what only it can read, a gpg netrc', async () => {
    await expect(resolveCredentials({}, options(undefined, true))).resolves.toEqual({
      token: 'token-from-heroku-cli-command',
    })
    expect(loads).toHaveBeenCalledOnce()
  })
})

describe('credentialStore and the netrc file, on each platform', () => {
  const host = (platform: NodeJS.Platform, env: Record<string, string> = {}, secretTool = false, gpg = false) => ({
    env,
    exists: (path: string) => gpg && path.endsWith('.gpg'),
    homedir: () => '/home/me',
    isOnPath: (program: string) => secretTool && program === 'secret-tool',
    platform,
    tmpdir: () => '/tmp',
  })

  it.each([
    ['darwin', {}, false, 'macOS Keychain'],
    ['win32', {}, false, 'Windows Credential Manager'],
    ['linux', {}, true, 'Secret Service (secret-tool)'],
    ['linux', {}, false, undefined],
    ['darwin', {HEROKU_NETRC_WRITE: 'TRUE'}, false, undefined],
    ['freebsd', {}, true, undefined],
  ] as const)('%s %j, secret-tool %s: %s', (platform, env, secretTool, store) => {
    expect(credentialStore(host(platform, env, secretTool))).toBe(store)
  })

  it.each([
    ['linux', {}, false, '/home/me/.netrc'],
    ['linux', {}, true, '/home/me/.netrc.gpg'],
    ['win32', {HOMEDRIVE: 'C:', HOMEPATH: '/Users/me'}, false, 'C:/Users/me/_netrc'],
    ['win32', {USERPROFILE: '/profile'}, false, '/profile/_netrc'],
    ['win32', {HOME: '/h', USERPROFILE: '/profile'}, true, '/h/_netrc.gpg'],
  ] as const)('%s %j, gpg %s: %s', (platform, env, gpg, file) => {
    expect(netrcFile(host(platform, env, false, gpg))).toBe(file)
  })

  it.each([
    [undefined, 'api.heroku.com'],
    ['herokudev.com', 'api.herokudev.com'],
    ['http://127.0.0.1:5000', '127.0.0.1:5000'],
    ['https://api.heroku.com:443', 'api.heroku.com'],
    ['http://localhost:5000/', 'localhost:5000'],
    ['https://attacker.test', 'api.heroku.com'],
  ])('HEROKU_HOST=%s reads the netrc machine %s, as @heroku-cli/command does', async (hostName, machine) => {
    if (hostName === undefined) delete process.env.HEROKU_HOST
    else process.env.HEROKU_HOST = hostName
    const {vars} = await import('@heroku-cli/command')
    expect(netrcMachineName(process.env)).toBe(machine)
    expect(vars.apiHost).toBe(machine)
  })
})
