import {mkdtemp, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {
  CUSTOM_BLOCKS_SPACE,
  DEFAULT_BLOCKS_SPACE,
  FIR_SPACE,
  type Sandbox,
  SEEDED_CONNECTION,
  SPACE_WITH_CONNECTION,
  startSandbox,
} from '../../src/sandbox/index.js'
import {msFromFirstRequestToExit, runCli} from '../support/run-cli.js'

const FAST = {deprovisioning: 0.2, pending: 0.2, provisioning: 0.3, tunnelsUpAfter: 0.2}
const ANSI = /\u001B\[/

let sandbox: Sandbox

beforeAll(async () => {
  sandbox = await startSandbox({timing: FAST})
})

afterAll(async () => {
  await sandbox.stop()
})

beforeEach(() => {
  sandbox.control.reset()
})

function cli(...args: string[]) {
  return runCli(args, {env: sandbox.env})
}

const apiRequests = () => sandbox.control.requests().map((entry) => `${entry.method} ${entry.path}`)

const connectArgs = (space = DEFAULT_BLOCKS_SPACE, ...extra: string[]) => [
  'spaces:vpn:connect',
  'office',
  '--space',
  space,
  '--ip',
  '52.91.173.226',
  '--cidrs',
  '172.16.0.0/16,192.168.50.0/24',
  ...extra,
]

describe('the article flow, command by command, over real HTTP', () => {
  it('connects, waits, shows info and config, and destroys', async () => {
    // long enough to see wait report pending, and the connection go on deprovisioning after destroy, however slow
    // the machine is
    sandbox.control.setTiming({deprovisioning: 60, pending: 2})
    const connected = await cli(...connectArgs())
    expect(connected).toMatchObject({
      code: 0,
      stdout: `Created VPN connection office in space ${DEFAULT_BLOCKS_SPACE} (status: pending).\n`,
    })
    expect(connected.stderr).toContain(`./bin/run.js spaces:vpn:wait office --space ${DEFAULT_BLOCKS_SPACE}`)

    const waited = await cli('spaces:vpn:wait', 'office', '--space', DEFAULT_BLOCKS_SPACE, '--interval', '1')
    expect(waited.code).toBe(0)
    expect(waited.stderr).toContain('pending')
    expect(waited.stderr).toMatch(/Ready after [\d.]+s: active/)
    expect(waited.stdout).toContain('VPN Tunnel  Customer Gateway  VPN Gateway')

    const info = await cli('spaces:vpn:info', 'office', '--space', DEFAULT_BLOCKS_SPACE)
    expect(info.code).toBe(0)
    expect(info.stdout).toMatch(/^Tunnel 1 {4}52\.91\.173\.226 {5}\S+ +10\.0\.0\.0\/16 +1$/m)
    expect(info.stdout).toMatch(/^Tunnel 2 {4}52\.91\.173\.226 {5}\S+ +10\.0\.0\.0\/16 +1$/m)

    const json = await cli('spaces:vpn:info', 'office', '--space', DEFAULT_BLOCKS_SPACE, '--json')
    const connection = JSON.parse(json.stdout) as {tunnels: Array<{pre_shared_key: string}>}
    expect(json.stderr).toBe('')
    expect(connection.tunnels).toHaveLength(2)
    for (const tunnel of connection.tunnels) {
      expect(tunnel.pre_shared_key.length).toBeGreaterThan(8)
      expect(info.stdout).not.toContain(tunnel.pre_shared_key)
    }

    const config = await cli('spaces:vpn:config', 'office', '--space', DEFAULT_BLOCKS_SPACE)
    expect(config.code).toBe(0)
    for (const tunnel of connection.tunnels) expect(config.stdout).toContain(tunnel.pre_shared_key)

    const destroyed = await cli('spaces:vpn:destroy', 'office', '--space', DEFAULT_BLOCKS_SPACE, '--confirm', 'office')
    expect(destroyed.code).toBe(0)
    const listed = await cli('spaces:vpn:connections', '--space', DEFAULT_BLOCKS_SPACE, '--json')
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({name: 'office', status: 'deprovisioning'})])
  })

  it('updates the routable CIDRs', async () => {
    const updated = await cli(
      'spaces:vpn:update',
      SEEDED_CONNECTION,
      '--space',
      SPACE_WITH_CONNECTION,
      '--cidrs',
      '192.168.60.0/24',
    )
    expect(updated.code).toBe(0)
    expect(sandbox.control.connection(SPACE_WITH_CONNECTION, SEEDED_CONNECTION).routable_cidrs).toEqual([
      '192.168.60.0/24',
    ])
  })

  it('accepts the article spelling --name as well as the NAME argument', async () => {
    const info = await cli('spaces:vpn:info', '--name', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION)
    expect(info.code).toBe(0)
  })
})

describe('bad input sends nothing and exits 2', () => {
  it.each([
    ['a private gateway IP', ['--ip', '192.168.1.10'], 'is in 192.168.0.0/16'],
    ['a documentation gateway IP', ['--ip', '203.0.113.9'], 'documentation'],
    ['an IPv6 gateway IP', ['--ip', '2001:db8::1'], 'IPv6'],
    ['a public CIDR', ['--cidrs', '8.8.8.0/24'], 'not a private network'],
    ['host bits', ['--cidrs', '172.16.0.1/16'], 'did you mean 172.16.0.0/16?'],
    ['an empty item', ['--cidrs', '172.16.0.0/16,'], 'empty item'],
  ])('connect with %s', async (_case, change, words) => {
    const args = connectArgs()
    const flag = args.indexOf(change[0]!)
    args.splice(flag, 2, ...change)
    const result = await cli(...args)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(words)
    expect(result.stdout).toBe('')
    expect(apiRequests()).toEqual([])
  })

  it('wait with a timeout that is not a positive number', async () => {
    const result = await cli('spaces:vpn:wait', 'office', '--space', DEFAULT_BLOCKS_SPACE, '--timeout', '-5')
    expect(result).toMatchObject({code: 2, stdout: ''})
    expect(result.stderr).toContain('--timeout "-5" is not a positive number of seconds')
    expect(apiRequests()).toEqual([])
  })

  it('a missing required flag', async () => {
    const result = await cli('spaces:vpn:info', 'office')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('Missing required flag space')
    expect(apiRequests()).toEqual([])
  })

  it.each([
    [
      'the space network',
      DEFAULT_BLOCKS_SPACE,
      '10.0.4.0/24',
      'overlaps 10.0.0.0/16, the network of space cedar-space',
    ],
    ['a space created with other blocks', CUSTOM_BLOCKS_SPACE, '10.20.0.0/16', 'overlaps 10.20.0.0/16'],
    ['172.17.0.0/16', DEFAULT_BLOCKS_SPACE, '172.17.9.0/24', 'which every Private Space uses'],
  ])('connect with CIDRs overlapping %s reads the space but creates nothing', async (_case, space, cidrs, words) => {
    const result = await cli(
      'spaces:vpn:connect',
      'office',
      '--space',
      space,
      '--ip',
      '52.91.173.226',
      '--cidrs',
      cidrs,
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(words)
    expect(apiRequests().filter((request) => !request.startsWith('GET'))).toEqual([])
  })

  it.each([
    ['a Fir space', FIR_SPACE, 'Fir-generation'],
    ['a space that already has a connection', SPACE_WITH_CONNECTION, 'already has VPN connection "office"'],
    ['a space that does not exist', 'no-such-space', 'Space "no-such-space" was not found'],
  ])('connect on %s is refused', async (_case, space, words) => {
    const result = await cli(...connectArgs(space))
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(words)
    expect(apiRequests().filter((request) => request.startsWith('POST'))).toEqual([])
  })

  it('destroy without confirmation off a terminal', async () => {
    const result = await cli('spaces:vpn:destroy', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('pass --confirm office')
    expect(apiRequests()).toEqual([])
    expect(sandbox.control.connection(SPACE_WITH_CONNECTION, SEEDED_CONNECTION).status).toBe('active')
  })
})

describe('a space or connection that does not exist: exit 2 in every command, naming which one is missing', () => {
  const missingSpace = 'Space "nowhere" was not found'
  const missingConnection = 'VPN connection "nope" was not found in space "acme-space"'
  it.each([
    [['spaces:vpn:info', 'nope', '--space', SPACE_WITH_CONNECTION], missingConnection],
    [['spaces:vpn:info', 'office', '--space', 'nowhere'], missingSpace],
    [['spaces:vpn:wait', 'nope', '--space', SPACE_WITH_CONNECTION], missingConnection],
    [['spaces:vpn:wait', 'office', '--space', 'nowhere'], missingSpace],
    [['spaces:vpn:config', 'office', '--space', 'nowhere'], missingSpace],
    [['spaces:vpn:config', 'nope', '--space', SPACE_WITH_CONNECTION, '--format', 'swanctl'], missingConnection],
    [['spaces:vpn:update', 'office', '--space', 'nowhere', '--cidrs', '172.16.0.0/16'], missingSpace],
    [['spaces:vpn:update', 'nope', '--space', SPACE_WITH_CONNECTION, '--cidrs', '172.16.0.0/16'], missingConnection],
    [['spaces:vpn:destroy', 'office', '--space', 'nowhere', '--confirm', 'office'], missingSpace],
    [['spaces:vpn:destroy', 'nope', '--space', SPACE_WITH_CONNECTION, '--confirm', 'nope'], missingConnection],
    [['spaces:vpn:connections', '--space', 'nowhere'], missingSpace],
    [
      ['spaces:vpn:connect', 'office', '--space', 'nowhere', '--ip', '52.91.173.226', '--cidrs', '172.16.0.0/16'],
      missingSpace,
    ],
  ])('%j', async (args, words) => {
    const result = await cli(...args)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(words)
    if (words === missingSpace) expect(result.stderr).not.toContain('spaces:vpn:connections')
    expect(result.stdout).toBe('')
    expect(apiRequests().filter((request) => !request.startsWith('GET'))).toEqual([])
  })
})

describe('failures exit 1', () => {
  it('wait ends at once when the connection fails, with the status message', async () => {
    sandbox.control.failNextConnection('Customer gateway rejected the proposal.')
    expect((await cli(...connectArgs())).code).toBe(0)
    const result = await cli('spaces:vpn:wait', 'office', '--space', DEFAULT_BLOCKS_SPACE, '--interval', '1')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('failed: Customer gateway rejected the proposal.')
  })

  it('a key the API does not accept says how to fix it', async () => {
    const result = await runCli(['spaces:vpn:info', 'office', '--space', SPACE_WITH_CONNECTION], {
      env: {...sandbox.env, HEROKU_API_KEY: 'wrong'},
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('HEROKU_API_KEY is set but not valid')
  })

  it('an API that cannot be reached', async () => {
    const result = await runCli(['spaces:vpn:info', 'office', '--space', 'x'], {
      env: {...sandbox.env, HEROKU_HOST: 'http://127.0.0.1:9'},
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('Could not reach the Heroku API at http://127.0.0.1:9')
  })
})

describe('wait in a CI pipeline', () => {
  it('times out with exit code 124 on time', async () => {
    sandbox.control.setTiming({tunnelsUpAfter: null})
    expect((await cli(...connectArgs())).code).toBe(0)
    sandbox.control.clearRequests()
    const result = await cli(
      'spaces:vpn:wait',
      'office',
      '--space',
      DEFAULT_BLOCKS_SPACE,
      '--tunnels-up',
      '--interval',
      '1',
      '--timeout',
      '2',
    )
    expect(result.code).toBe(124)
    expect(result.stderr).toContain('Timed out after 2s')
    expect(result.stdout).toBe('')
    const [firstRequest] = sandbox.control.requests()
    expect(msFromFirstRequestToExit(result, firstRequest && Date.parse(firstRequest.time))).toBeLessThan(2000 + 1000)
  })

  it('rides out 503, 429 with Retry-After and dropped connections, and still succeeds', async () => {
    expect((await cli(...connectArgs())).code).toBe(0)
    sandbox.control.clearRequests()
    sandbox.control.injectFault({kind: 'error', method: 'GET', status: 503, times: 2})
    sandbox.control.injectFault({kind: 'rate-limit', method: 'GET', retryAfter: 1, times: 1})
    sandbox.control.injectFault({kind: 'drop', method: 'GET', times: 2})
    const result = await cli('spaces:vpn:wait', 'office', '--space', DEFAULT_BLOCKS_SPACE, '--interval', '1', '--json')
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({name: 'office', status: 'active'})
    expect(result.stderr).toContain('HTTP 503')
    expect(result.stderr).toContain('limiting the rate')
    const faults = sandbox.control.requests().filter((entry) => entry.fault)
    expect(faults).toHaveLength(5)
  })

  it('polls once per interval and sends nothing after the last answer', async () => {
    expect((await cli(...connectArgs())).code).toBe(0)
    sandbox.control.clearRequests()
    const result = await cli('spaces:vpn:wait', 'office', '--space', DEFAULT_BLOCKS_SPACE, '--interval', '1')
    expect(result.code).toBe(0)
    const log = sandbox.control.requests()
    expect(
      log.every(
        (entry) => entry.method === 'GET' && entry.path === `/spaces/${DEFAULT_BLOCKS_SPACE}/vpn-connections/office`,
      ),
    ).toBe(true)
    const gaps = log.slice(1).map((entry, index) => Date.parse(entry.time) - Date.parse(log[index]!.time))
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(990)
    expect(log.length).toBeLessThanOrEqual(Math.ceil(result.ms / 1000) + 1)
  })

  it('prints JSON, not a sentence, when the connection is already active', async () => {
    const result = await cli('spaces:vpn:wait', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION, '--json')
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({name: 'office', status: 'active'})
    expect(apiRequests()).toHaveLength(1)
  })
})

describe('a create whose answer is lost', () => {
  it('is never sent twice blindly', async () => {
    sandbox.control.injectFault({kind: 'drop', method: 'POST', when: 'after'})
    const result = await cli(...connectArgs())
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Created VPN connection office')
    expect(apiRequests().filter((request) => request.startsWith('POST'))).toHaveLength(1)
  })

  it('is sent again once the check shows nothing was created', async () => {
    sandbox.control.injectFault({kind: 'error', method: 'POST', status: 503})
    const result = await cli(...connectArgs())
    expect(result.code).toBe(0)
    expect(apiRequests().filter((request) => request.startsWith('POST'))).toHaveLength(2)
  })
})

describe('streams', () => {
  it.each([
    [['spaces:vpn:info', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION, '--json']],
    [['spaces:vpn:config', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION, '--json']],
    [['spaces:vpn:connections', '--space', SPACE_WITH_CONNECTION, '--json']],
    [['spaces:vpn:wait', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION, '--json']],
  ])('%j prints exactly one JSON document on stdout', async (args) => {
    const result = await cli(...args)
    expect(result.code).toBe(0)
    expect(() => JSON.parse(result.stdout)).not.toThrow()
    expect(result.stdout.trim().startsWith('{') || result.stdout.trim().startsWith('[')).toBe(true)
  })

  it('has no colour or spinner frames when the streams are not terminals', async () => {
    sandbox.control.setTiming({pending: 0.3, provisioning: 0.3})
    expect((await cli(...connectArgs())).code).toBe(0)
    const waited = await cli('spaces:vpn:wait', 'office', '--space', DEFAULT_BLOCKS_SPACE, '--interval', '1')
    const failed = await cli('spaces:vpn:info', 'nope', '--space', DEFAULT_BLOCKS_SPACE)
    for (const text of [waited.stdout, waited.stderr, failed.stderr]) {
      expect(text).not.toMatch(ANSI)
      expect(text).not.toMatch(/[⠁-⣿]/)
    }
  })
})

describe('credentials', () => {
  it('reads a netrc when HEROKU_API_KEY is not set', async () => {
    const home = await mkdtemp(join(tmpdir(), 'vpn-e2e-home-'))
    const machine = new URL(sandbox.url).host
    await writeFile(
      join(home, '.netrc'),
      `machine ${machine}\n  login demo@example.com\n  password ${sandbox.apiKey}\n`,
      {mode: 0o600},
    )
    const result = await runCli(['spaces:vpn:info', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION, '--json'], {
      env: {HEROKU_HOST: sandbox.url, HOME: home},
    })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
  })

  it('says how to log in when there are no credentials at all', async () => {
    const home = await mkdtemp(join(tmpdir(), 'vpn-e2e-empty-'))
    const result = await runCli(['spaces:vpn:info', 'office', '--space', SPACE_WITH_CONNECTION], {
      env: {HEROKU_HOST: sandbox.url, HOME: home},
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('No Heroku credentials were found.')
    expect(apiRequests()).toEqual([])
  })
})
