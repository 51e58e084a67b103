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

const STACK = /^\s+at /m
const CONNECTION_PATH = `/spaces/${SPACE_WITH_CONNECTION}/vpn-connections/${SEEDED_CONNECTION}`
const INFO = ['spaces:vpn:info', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION]
const UPDATE = ['spaces:vpn:update', ...INFO.slice(1), '--cidrs', '192.168.0.0/16']
const DESTROY = ['spaces:vpn:destroy', ...INFO.slice(1), '--confirm', SEEDED_CONNECTION]
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
const html = (status: number, size: number) => ({
  body: `<!DOCTYPE html>\n<html><head><title>Sign in to the network</title></head><body>${'<p>Welcome</p>'.repeat(size / 14)}</body></html>\n`,
  headers: {'Content-Type': 'text/html; charset=utf-8'},
  status,
})
const json = (value: unknown, status = 200) => ({
  body: typeof value === 'string' ? value : JSON.stringify(value),
  headers: {'Content-Type': 'application/json'},
  status,
})

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

describe('a success that is not the answer the endpoint gives: exit 1 naming the endpoint, nothing on stdout', () => {
  it.each([
    ['an HTML login page', html(200, 3000), 'it is not JSON (text/html, 3,0'],
    [
      'truncated JSON',
      json('{"name": "office", "tunnels": [{"ip": "34.203'),
      'it is not JSON (application/json, 45 bytes',
    ],
    ['null', json(null), '(HTTP 200) is not a VPN connection (an object): it is null.'],
    ['an empty 204', {status: 204}, 'it is empty'],
    ['a JSON string', json('"office"'), '(HTTP 200) is not a VPN connection (an object): it is a string.'],
    ['tunnels: {}', json({name: 'office', tunnels: {}}), 'tunnels is an object, not a list of tunnels'],
    ['tunnels: [null]', json({name: 'office', tunnels: [null]}), 'tunnels[0] is null, not a tunnel (an object)'],
    [
      'routable_cidrs as a string',
      json({name: 'office', routable_cidrs: '172.16.0.0/16'}),
      'routable_cidrs is a string, not a list of strings',
    ],
  ])('info --json, config, wait on %s', async (_case, reply, problem) => {
    front.rule = ({method, path}) => (method === 'GET' && path === CONNECTION_PATH ? {reply} : undefined)
    for (const command of ['spaces:vpn:info', 'spaces:vpn:config', 'spaces:vpn:wait']) {
      const result = await viaFront([command, SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION, '--json'])
      expect({code: result.code, command, stdout: result.stdout}).toEqual({code: 1, command, stdout: ''})
      expect(result.stderr).toContain(
        `The answer to GET ${CONNECTION_PATH} (HTTP ${reply.status}) is not a VPN connection (an object): `,
      )
      expect(result.stderr).toContain(problem)
      expect(result.stderr).not.toContain('Welcome')
      expect(result.stderr).not.toMatch(STACK)
    }
  })

  it('connections on an object instead of a list', async () => {
    front.rule = ({method}) => (method === 'GET' ? {reply: json({id: 'x'})} : undefined)
    const result = await viaFront(['spaces:vpn:connections', '--space', SPACE_WITH_CONNECTION])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain(
      `The answer to GET /spaces/${SPACE_WITH_CONNECTION}/vpn-connections (HTTP 200) is not a list of VPN connections: it is an object.`,
    )
  })

  it.each([
    ['update', 'PATCH', UPDATE],
    ['destroy', 'DELETE', DESTROY],
  ])('%s answered with an HTML page does not say it succeeded', async (_command, verb, args) => {
    front.rule = ({method}) => (method === verb ? {reply: html(200, 500)} : undefined)
    const result = await viaFront(args)
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain(
      `The answer to ${verb} ${CONNECTION_PATH} (HTTP 200) is not a VPN connection (an object): it is not JSON`,
    )
    expect(result.stderr).toContain(`The ${verb} may have been carried out all the same: check with`)
  })
})

describe('enormous and endless answers', () => {
  it.each([
    ['an endless body', {endless: true, headers: {'Content-Type': 'application/json'}, status: 200}],
    ['a body of 5 MB', json(`[${'"x",'.repeat(1_250_000)}"x"]`)],
  ])('%s: stopped at 1 MiB with a clear error, no crash', async (_case, reply) => {
    front.rule = ({method}) => (method === 'GET' ? {reply} : undefined)
    const result = await viaFront([...INFO, '--json'])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain(
      `The answer to GET ${CONNECTION_PATH} (HTTP 200) is not a VPN connection (an object): it is larger than 1 MiB, far more than any such answer, and was not read further.`,
    )
    expect(result.stderr).not.toMatch(STACK)
    expect(result.ms).toBeLessThan(10_000)
  })
})

describe('error pages are summarised, never printed whole', () => {
  it('a 3 KB 502 page: one summary per retry line, and in the error', async () => {
    front.rule = ({method}) => (method === 'GET' ? {reply: html(502, 3000)} : undefined)
    const result = await viaFront(INFO)
    expect(result.code).toBe(1)
    const summary = "an answer that is not the API's JSON (text/html, 3,0"
    expect(result.stderr.split('\n').filter((line) => line.includes('trying again'))).toHaveLength(2)
    expect(result.stderr.split(summary)).toHaveLength(4)
    expect(result.stderr).toContain('first line "<!DOCTYPE html>")')
    expect(result.stderr).not.toContain('Welcome')
    expect(result.stderr.length).toBeLessThan(1500)
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

describe('a change the API accepted without a body is never reported as failed', () => {
  const created = connectLab()
  const createdPath = `/spaces/${DEFAULT_BLOCKS_SPACE}/vpn-connections`

  it.each([
    [201, ''],
    [202, ''],
    [200, ''],
    [201, '{}'],
  ])('connect answered %s with %j reads the connection back', async (status, body) => {
    front.rule = ({method}) => (method === 'POST' ? {after: true, reply: {body, status}} : undefined)
    const result = await viaFront([...created, '--json'])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({name: 'lab', public_ip: '52.91.173.226'})
    expect(front.log).toContain(`GET ${createdPath}/lab`)
    expect(result.stderr).not.toContain('Warning')
  })

  it('update answered 200 without a body reads the connection back', async () => {
    front.rule = ({method}) => (method === 'PATCH' ? {after: true, reply: {status: 200}} : undefined)
    const result = await viaFront(UPDATE)
    expect(result.code).toBe(0)
    expect(result.stdout).toBe(
      `Updated VPN connection ${SEEDED_CONNECTION} in space ${SPACE_WITH_CONNECTION}: its routable CIDRs are now 192.168.0.0/16.\n`,
    )
    expect(result.stderr).toBe('')
  })

  it('when even the read back fails, it says the change was accepted and how to check (exit 0, JSON null)', async () => {
    front.rule = ({method, path}) =>
      method === 'POST'
        ? {after: true, reply: {status: 201}}
        : method === 'GET' && path === `${createdPath}/lab`
          ? {reply: html(200, 100)}
          : undefined
    const result = await viaFront([...created, '--json'])
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('null\n')
    expect(result.stderr).toContain(
      'Heroku accepted the create without returning the connection, and reading it back failed: The answer to GET',
    )
    expect(result.stderr).toContain(`spaces:vpn:info lab --space ${DEFAULT_BLOCKS_SPACE}\`.`)
  })

  it('destroy --json answered 202 without a body prints the connection, not "undefined"', async () => {
    front.rule = ({method}) => (method === 'DELETE' ? {after: true, reply: {status: 202}} : undefined)
    const result = await viaFront([...DESTROY, '--json'])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({name: SEEDED_CONNECTION, status: 'deprovisioning'})
  })
})
