import {readFile} from 'node:fs/promises'
import {afterEach, describe, expect, it} from 'vitest'

import type {VpnConnection} from '../../src/lib/api/types.js'

import {MIN_WAIT_INTERVAL_SECONDS} from '../../src/lib/actions/polling.js'
import {type CannedApi, startCannedApi} from '../support/canned-api.js'
import {tunnel, vpnConnection} from '../support/fixtures.js'
import {runCli} from '../support/run-cli.js'

/*
 * Scripts written for the Heroku CLI's built-in spaces:vpn commands, run against this plugin: the argv and the API
 * answers of the built-ins' own unit tests (heroku/cli 11.9, test/unit/commands/spaces/vpn/), served over HTTP.
 */

const FAILED_REASON = 'supplied CIDR block already in use'

/** The connection the built-ins' tests answer with, under their name for it and in the state they give it. */
function builtinConnection(name: string, overrides: Partial<VpnConnection> = {}): VpnConnection {
  const builtinTunnel = {last_status_change: '2016-10-25T22:09:05Z', status_message: 'status message'}
  return vpnConnection({
    id: '123456789012',
    name,
    public_ip: '35.161.69.30',
    status_message: FAILED_REASON,
    tunnels: [
      tunnel({...builtinTunnel, customer_ip: '52.44.146.197', ip: '52.44.146.196', pre_shared_key: 'apresharedkey1'}),
      tunnel({...builtinTunnel, customer_ip: '52.44.146.199', ip: '52.44.146.198', pre_shared_key: 'apresharedkey2'}),
    ],
    ...overrides,
  })
}

const KEYS = ['apresharedkey1', 'apresharedkey2']
const STACK = /^\s+at /m

let api: CannedApi | undefined
afterEach(async () => {
  await api?.close()
  api = undefined
})

async function run(answers: Record<string, readonly unknown[]>, argv: readonly string[]) {
  api = await startCannedApi(answers)
  return runCli(argv, {env: api.env})
}

const table = (text: string) => text.replaceAll(/ +/g, ' ')

describe('spaces:vpn:config', () => {
  const name = 'vpn-connection-name-config'
  const failed = {[`GET /spaces/my-space/vpn-connections/${name}`]: [builtinConnection(name, {status: 'failed'})]}

  it('shows the tunnel table of a failed connection, keys included, and warns on stderr that it failed and what to do', async () => {
    const result = await run(failed, ['spaces:vpn:config', '--space', 'my-space', name])
    expect(result.code).toBe(0)
    expect(table(result.stdout)).toContain('Tunnel 1 52.44.146.197 52.44.146.196 apresharedkey1 10.0.0.0/16 1')
    expect(table(result.stdout)).toContain('Tunnel 2 52.44.146.199 52.44.146.198 apresharedkey2 10.0.0.0/16 1')
    expect(result.stderr).toContain(`Warning: VPN connection ${name} in space my-space failed: ${FAILED_REASON}.`)
    expect(result.stderr).toMatch(new RegExp(`spaces:vpn:destroy ${name} --space my-space --confirm ${name}`))
    expect(result.stderr).not.toMatch(STACK)
  })

  it('still refuses to generate gateway files for a failed connection (exit 1)', async () => {
    const result = await run(failed, ['spaces:vpn:config', '--space', 'my-space', name, '--format', 'swanctl'])
    expect(result).toMatchObject({code: 1, stdout: ''})
    expect(result.stderr).toContain('failed, so it has no tunnels to configure')
  })
})

describe('spaces:vpn:wait', () => {
  const name = 'vpn-connection-name-wait'
  const path = `GET /spaces/my-space/vpn-connections/${name}`
  const argv = ['spaces:vpn:wait', name, '--space', 'my-space', '--interval', '0']

  it('takes --interval 0, polls every second instead, and says so once on stderr', async () => {
    const pending = builtinConnection(name, {status: 'pending'})
    const active = builtinConnection(name, {status: 'active', status_message: ''})
    const result = await run({[path]: [pending, pending, active]}, argv)
    expect(result.code, result.stderr).toBe(0)
    const warning = `--interval 0 is below the minimum of ${MIN_WAIT_INTERVAL_SECONDS} s, so it polls every ${MIN_WAIT_INTERVAL_SECONDS} s`
    expect(result.stderr.split(warning)).toHaveLength(2)
    const arrivals = api!.requests.map((request) => request.at)
    expect(arrivals).toHaveLength(3)
    for (const [index, at] of arrivals.slice(1).entries()) {
      expect(at - arrivals[index]!).toBeGreaterThanOrEqual(MIN_WAIT_INTERVAL_SECONDS * 1000 - 10)
    }
  })

  it('ends with exit code 1 and the reason when the connection fails, with --interval 0', async () => {
    const result = await run(
      {[path]: [builtinConnection(name, {status: 'pending'}), builtinConnection(name, {status: 'failed'})]},
      argv,
    )
    expect(result).toMatchObject({code: 1, stdout: ''})
    expect(result.stderr).toContain(FAILED_REASON)
  })

  it.each([['-1'], ['soon']])(
    'refuses --interval=%j with exit code 2, suggesting only values it takes as they are',
    async (value) => {
      const result = await run({}, [...argv.slice(0, -2), `--interval=${value}`])
      expect(result).toMatchObject({code: 2, stdout: ''})
      expect(result.stderr).toContain(`--interval "${value}" is not a number of seconds`)
      expect(result.stderr).toContain(`e.g. 10 or ${MIN_WAIT_INTERVAL_SECONDS}`)
      expect(result.stderr).not.toMatch(/\b0?\.\d/)
      expect(api!.requests).toEqual([])
    },
  )

  it('leaves the pre-shared keys out of the table, says where they are, and the README lists the difference', async () => {
    const active = builtinConnection(name, {status: 'active', status_message: ''})
    const result = await run({[path]: [builtinConnection(name, {status: 'pending'}), active]}, argv)
    expect(result.code, result.stderr).toBe(0)
    expect(table(result.stdout)).toContain('Tunnel 1 52.44.146.197 52.44.146.196 10.0.0.0/16 1')
    for (const key of KEYS) expect(result.stdout).not.toContain(key)
    expect(result.stdout).toMatch(/Pre-shared keys are not shown here: run `\S+ spaces:vpn:config .+`, or add --json\./)

    const json = await runCli([...argv, '--json'], {env: api!.env})
    expect(JSON.parse(json.stdout)).toEqual(active)

    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
    const start = readme.indexOf('### Differences from the built-in commands')
    expect(start).toBeGreaterThan(-1)
    const differences = readme.slice(start, readme.indexOf('\n### ', start))
    const keysLine = differences.split('\n- ').find((line) => line.includes('pre-shared keys'))
    expect(keysLine).toMatch(/`wait`/)
    expect(keysLine).toContain('`wait --json`')
    expect(keysLine).toContain('`spaces:vpn:config`')
  })
})

describe('an active connection without tunnels', () => {
  const name = 'vpn-connection-allocated'
  // as the built-in's test answers it: active, and no tunnels at all
  const allocated = {
    [`GET /spaces/my-space/vpn-connections/${name}`]: [
      builtinConnection('vpn-connection-name-config', {status: 'active', status_message: '', tunnels: undefined}),
    ],
  }

  it.each([
    [['spaces:vpn:wait', name, '--space', 'my-space', '--interval', '0']],
    [['spaces:vpn:info', name, '--space', 'my-space']],
  ])('%j points to wait --tunnels-up, which waits for them, not to a wait that returns at once', async (argv) => {
    const result = await run(allocated, argv)
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(
      new RegExp(
        `No tunnels yet \\(status active\\): run \`\\S+ spaces:vpn:wait ${name} --space my-space --tunnels-up\``,
      ),
    )
  })
})
