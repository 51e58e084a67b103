import type {AddressInfo, Socket} from 'node:net'

import {createServer, type IncomingMessage} from 'node:http'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {
  DEFAULT_BLOCKS_SPACE,
  type Sandbox,
  SEEDED_CONNECTION,
  SPACE_WITH_CONNECTION,
  startSandbox,
} from '../../src/sandbox/index.js'
import {closedPort, listen, startLoggingProxy} from '../support/network.js'
import {runCli} from '../support/run-cli.js'
import {startTamperingFront, type TamperingFront} from '../support/tampering-front.js'

/*
 * The API client's boundary, through the built CLI: hosts the key must not go to, proxies that want credentials, and
 * answers that are not what the Platform API answers (a front before the sandbox answers them badly on purpose).
 */

let sandbox: Sandbox
let front: TamperingFront

beforeAll(async () => {
  sandbox = await startSandbox({timing: {deprovisioning: 0.2, pending: 0.2, provisioning: 0.2, tunnelsUpAfter: 0.2}})
  front = await startTamperingFront(sandbox.url)
})

afterAll(async () => {
  await Promise.all([sandbox.stop(), front.close()])
})

beforeEach(() => {
  sandbox.control.reset()
  front.log.length = 0
  front.rule = () => undefined
})

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
const viaFront = (args: readonly string[], env: Record<string, string> = {}) =>
  runCli(args, {env: {...sandbox.env, HEROKU_HOST: front.url, ...env}})

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

describe('proxy credentials are never shown', () => {
  it('a password with / in an unparsable proxy URL: exit 2, the password hidden', async () => {
    const result = await viaFront(INFO, {HEROKU_DEBUG: '1', HTTP_PROXY: 'http://alice:pa/ss@127.0.0.1:1'})
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('HTTP_PROXY "http://***@127.0.0.1:1"')
    expect(result.stderr).not.toMatch(/alice|pa\/ss/)
    expect(front.log).toEqual([])
  })

  it('a password with / that parses as a port and a path: exit 2, the password hidden', async () => {
    const result = await viaFront(INFO, {HTTP_PROXY: 'http://alice:123/ss@127.0.0.1:1'})
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('percent-encoded')
    expect(result.stderr).not.toMatch(/alice|123|ss@/)
  })

  it('HEROKU_DEBUG names the proxy without its credentials', async () => {
    const proxy = await startLoggingProxy()
    try {
      const withCredentials = proxy.url.replace('http://', 'http://alice:pa%2Fss@')
      const result = await viaFront([...INFO, '--json'], {HEROKU_DEBUG: '1', HTTP_PROXY: withCredentials})
      expect(result.code).toBe(0)
      expect(result.stderr).toContain(
        `[debug] requests go through the proxy http://***@127.0.0.1:${proxy.port} (from HTTP_PROXY)`,
      )
      expect(result.stderr).not.toMatch(/alice|pa%2Fss|pa\/ss/)
    } finally {
      await proxy.close()
    }
  })
})

describe('a proxy that wants credentials (407)', () => {
  function startAuthProxy() {
    const server = createServer((_request, response) => {
      response.writeHead(407, {'Content-Type': 'text/html', 'Proxy-Authenticate': 'Basic realm="corp"'})
      response.end('<html><body><h1>407 Proxy Authentication Required</h1></body></html>')
    })
    server.on('connect', (_request: IncomingMessage, socket: Socket) => {
      socket.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html></html>',
      )
    })
    return listen(server)
  }

  it.each([
    ['HTTP_PROXY', 'http://127.0.0.1:PORT', 'http://127.0.0.1:PORT', 'asks for a user name and password'],
    ['HTTPS_PROXY', 'http://alice:s3cret@127.0.0.1:PORT', 'http://***@127.0.0.1:PORT', 'did not accept'],
  ])('%s=%s is named, with what it wants', async (variable, value, shown, words) => {
    const proxy = await startAuthProxy()
    try {
      const fill = (text: string) => text.replace('PORT', String(proxy.port))
      // https (a CONNECT) goes to an address no one answers: the proxy refuses before any connection is made
      const host = variable === 'HTTPS_PROXY' ? 'https://localhost:1' : front.url
      const result = await runCli(INFO, {env: {...sandbox.env, HEROKU_HOST: host, [variable]: fill(value)}})
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`The proxy ${fill(shown)} (from ${variable}) ${words}`)
      expect(result.stderr).toContain('HTTP 407 Proxy Authentication Required')
      expect(result.stderr).toContain(`in ${variable} as http://USER:PASSWORD@HOST:PORT`)
      expect(result.stderr).not.toContain('s3cret')
      expect(result.stderr).not.toContain('trying again')
      expect(result.stdout).toBe('')
    } finally {
      await proxy.close()
    }
  })
})

describe('Retry-After that would flood', () => {
  it('wait honours the 1 s floor on Retry-After: 0', async () => {
    sandbox.control.injectFault({kind: 'rate-limit', method: 'GET', retryAfter: 0, times: 10_000})
    const result = await runCli(
      ['spaces:vpn:wait', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION, '--timeout', '3'],
      {
        env: sandbox.env,
      },
    )
    expect(result.code).toBe(124)
    expect(sandbox.control.requests().length).toBeLessThanOrEqual(4)
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
