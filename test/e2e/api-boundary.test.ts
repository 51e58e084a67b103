import type {AddressInfo} from 'node:net'

import {createServer} from 'node:http'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {
  DEFAULT_BLOCKS_SPACE,
  type Sandbox,
  SEEDED_CONNECTION,
  SPACE_WITH_CONNECTION,
  startSandbox,
} from '../../src/sandbox/index.js'
import {closedPort} from '../support/network.js'
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

const INFO = ['spaces:vpn:info', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION]
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

describe('HEROKU_HOST is decided on the URL’s host name', () => {
  it.each(['/#.heroku.com', '/127.0.0.1'])('http://127.0.0.2:PORT%s never receives the API key', async (tail) => {
    const seen: Array<string | undefined> = []
    const other = createServer((request, response) => {
      seen.push(request.headers.authorization)
      response.end('{}')
    })
    await new Promise<void>((resolve) => {
      other.listen(0, '127.0.0.2', resolve)
    })
    const {port} = other.address() as AddressInfo
    try {
      // the fallback, https://api.heroku.com, is sent to a proxy that is not there: nothing leaves this machine
      const result = await runCli(INFO, {
        env: {
          HEROKU_API_KEY: 'secret-key',
          HEROKU_HOST: `http://127.0.0.2:${port}${tail}`,
          HTTPS_PROXY: `http://127.0.0.1:${await closedPort()}`,
        },
      })
      expect(seen).toEqual([])
      expect(result.stderr).toContain(
        `HEROKU_HOST "http://127.0.0.2:${port}${tail}" is not an API host this program sends the key to`,
      )
      expect(result.stderr).toContain('Could not reach the proxy')
    } finally {
      other.closeAllConnections()
      other.close()
    }
  })
})

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
