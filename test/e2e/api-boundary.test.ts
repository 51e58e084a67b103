import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {DEFAULT_BLOCKS_SPACE, type Sandbox, SPACE_WITH_CONNECTION, startSandbox} from '../../src/sandbox/index.js'
import {runCli} from '../support/run-cli.js'

/*
 * The API client's boundary, through the built CLI: hosts the key must not go to, proxies that want credentials, and
 * answers that are not what the Platform API answers (a front before the sandbox answers them badly on purpose).
 */

let sandbox: Sandbox

beforeAll(async () => {
  sandbox = await startSandbox({timing: {deprovisioning: 0.2, pending: 0.2, provisioning: 0.2, tunnelsUpAfter: 0.2}})
})

afterAll(async () => {
  await sandbox.stop()
})

beforeEach(() => sandbox.control.reset())

const connectLab = (ip = '52.91.173.226') => [
  'spaces:vpn:connect',
  'lab',
  '--space',
  DEFAULT_BLOCKS_SPACE,
  '--ip',
  ip,
  '--cidrs',
  '172.16.0.0/16',
]

describe('names far too long to be one', () => {
  it.each([
    [['spaces:vpn:info', 'office', '--space', 'x'.repeat(20_000)], '--space "xxx'],
    [['spaces:vpn:wait', 'y'.repeat(20_000), '--space', SPACE_WITH_CONNECTION], 'NAME "yyy'],
  ])('are an input error before any request, shown shortened', async (args, start) => {
    const result = await runCli(args, {env: sandbox.env})
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(start)
    expect(result.stderr).toContain('… (20,000 characters)" is too long to be a name or id')
    expect(result.stderr.length).toBeLessThan(600)
    expect(sandbox.control.requests()).toEqual([])
  })

  it('a huge --ip is shortened in the message', async () => {
    const ip = '1'.repeat(20_000)
    const result = await runCli(connectLab(ip), {env: sandbox.env})
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('… (20,000 characters)" is not an IPv4 address')
    expect(result.stderr.length).toBeLessThan(600)
  })
})
