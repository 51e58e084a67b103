import type {AddressInfo} from 'node:net'

import {execFileSync, spawn} from 'node:child_process'
import {chmodSync, chownSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer as createHttpServer} from 'node:http'
import {createServer} from 'node:https'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {MAX_ROUTABLE_CIDRS} from '../../src/lib/rules/network.js'
import {
  DEFAULT_BLOCKS_SPACE,
  type Sandbox,
  SEEDED_CONNECTION,
  SPACE_WITH_CONNECTION,
  startSandbox,
} from '../../src/sandbox/index.js'
import {BIN, msFromFirstRequestToExit, runCli} from '../support/run-cli.js'

/** The uid and gid of `nobody` on Debian and most Linux systems. */
const NOBODY = 65_534

let sandbox: Sandbox

beforeAll(async () => {
  sandbox = await startSandbox({timing: {deprovisioning: 0.2, pending: 0.2, provisioning: 0.2, tunnelsUpAfter: 0.2}})
})

afterAll(async () => {
  await sandbox.stop()
})

beforeEach(() => sandbox.control.reset())

const cli = (...args: string[]) => runCli(args, {env: sandbox.env})
const requests = () => sandbox.control.requests().map((entry) => `${entry.method} ${entry.path}`)
const STACK = /^\s+at /m
const info = ['spaces:vpn:info', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION]

describe('bad environments: exit 2 naming the variable, or the value cleaned, never a stack trace', () => {
  it('trims a trailing line break from HEROKU_API_KEY', async () => {
    const result = await runCli(info, {env: {...sandbox.env, HEROKU_API_KEY: `${sandbox.apiKey}\n`}})
    expect(result).toMatchObject({code: 0, stderr: ''})
  })

  it('refuses a HEROKU_API_KEY that cannot be sent in a header', async () => {
    const result = await runCli(info, {env: {...sandbox.env, HEROKU_API_KEY: 'two words'}})
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(
      'HEROKU_API_KEY contains spaces or characters that cannot be sent in an HTTP header',
    )
    expect(requests()).toEqual([])
  })

  it.each([
    ['http://127.0.0.1:99999', 'is not a valid host or URL'],
    [` ${'http://127.0.0.1:5000'}`, 'has spaces or line breaks around it'],
  ])('refuses HEROKU_HOST=%j', async (host, words) => {
    const result = await runCli(info, {env: {...sandbox.env, HEROKU_HOST: host}})
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(
      `HEROKU_HOST ${JSON.stringify(host)} ${words}: it takes a host name under heroku.com`,
    )
    expect(result.stderr).not.toMatch(STACK)
  })
})

describe('bad input is refused before anything is sent', () => {
  it.each([
    [['spaces:vpn:connect', 'office', '--space', '', '--ip', '52.91.173.226', '--cidrs', '172.16.0.0/16']],
    [['spaces:vpn:connections', '--space', ' ']],
    [['spaces:vpn:info', 'office', '--space', '']],
  ])('a blank --space: %j', async (args) => {
    const result = await cli(...args)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--space is empty')
    expect(requests()).toEqual([])
  })

  it('a CIDR repeated 3,000 times: one line, quickly, no crash', async () => {
    const cidrs = Array.from({length: 3000}, () => '172.16.0.0/28').join(',')
    const result = await cli(
      'spaces:vpn:connect',
      'office',
      '--space',
      DEFAULT_BLOCKS_SPACE,
      '--ip',
      '52.91.173.226',
      '--cidrs',
      cidrs,
    )
    expect(result.code).toBe(2)
    expect(result.stderr.trim().split('\n')).toHaveLength(2)
    expect(result.stderr).toContain(`--cidrs lists 3000 networks: a VPN connection takes at most ${MAX_ROUTABLE_CIDRS}`)
    expect(result.ms).toBeLessThan(5000)
    expect(requests()).toEqual([])
  })

  it.each([
    ['172.16.0.0/8', 'e.g. 172.16.0.0/12'],
    ['172.016.0.0/16', 'has a leading zero'],
    ['172.16.0.0/16 192.168.1.0/24', 'separate networks with commas'],
  ])('--cidrs %j gets a hint that leads somewhere', async (cidrs, words) => {
    const result = await cli(
      'spaces:vpn:connect',
      'office',
      '--space',
      DEFAULT_BLOCKS_SPACE,
      '--ip',
      '52.91.173.226',
      '--cidrs',
      cidrs,
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(words)
  })

  it.each([
    ['a regular file', (dir: string) => join(dir, 'file'), 'is a file, not a directory'],
    ['~ the shell did not expand', () => '~/gw', 'starts with ~'],
  ])('config --output-dir that is %s, before the keys are fetched', async (_case, target, words) => {
    const dir = mkdtempSync(join(tmpdir(), 'vpn-out-'))
    writeFileSync(join(dir, 'file'), '')
    const result = await runCli(
      [
        ...info.map((word) => (word === 'spaces:vpn:info' ? 'spaces:vpn:config' : word)),
        '--format',
        'swanctl',
        `--output-dir=${target(dir)}`,
      ],
      {
        cwd: dir,
        env: sandbox.env,
      },
    )
    rmSync(dir, {force: true, recursive: true})
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(words)
    expect(requests()).toEqual([])
  })
})

describe('config --output-dir that someone other than the user and root could change', () => {
  const config = (outputDir: string) =>
    runCli(
      [
        'spaces:vpn:config',
        SEEDED_CONNECTION,
        '--space',
        SPACE_WITH_CONNECTION,
        '--format',
        'swanctl',
        '--output-dir',
        outputDir,
      ],
      {env: sandbox.env},
    )
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vpn-out-'))
  })
  afterEach(() => rmSync(dir, {force: true, recursive: true}))

  it.each([
    ['mode 0777', 0o777, '.', 'is a directory that other users can write to (mode 0777)'],
    ['mode 1777, as /tmp itself', 0o1777, '.', 'is a directory that other users can write to (mode 1777)'],
    ['a directory inside one of mode 0777', 0o777, 'gw', 'is inside DIR, which other users can write to (mode 0777'],
  ])('is refused: %s (exit 2, before the keys are fetched)', async (_case, mode, below, words) => {
    chmodSync(dir, mode)
    const result = await config(join(dir, below))
    expect(result).toMatchObject({code: 2, stdout: ''})
    expect(result.stderr).toContain(words.replace('DIR', dir))
    expect(result.stderr).toContain('the updown script that the next steps install with sudo and charon runs as root')
    expect(result.stderr).toContain('use a directory that only you and root can change')
    expect(requests()).toEqual([])
    expect(readdirSync(dir)).toEqual([])
  })

  it.skipIf(process.getuid?.() !== 0)(
    'is refused when it belongs to another user (root: it can make one)',
    async () => {
      chownSync(dir, NOBODY, NOBODY)
      const result = await config(dir)
      expect(result.code).toBe(2)
      expect(result.stderr).toContain(`is a directory that belongs to another user (uid ${NOBODY})`)
      expect(requests()).toEqual([])
    },
  )

  it('takes a directory of the user inside a sticky one, as under /tmp', async () => {
    chmodSync(dir, 0o1777)
    const result = await config(join(dir, 'gw'))
    expect(result.code, result.stderr).toBe(0)
    expect(readdirSync(join(dir, 'gw'))).toContain('heroku-vpn-swanctl.conf')
  })
})

describe('destroy and update against what the connection is', () => {
  it('destroy whose answer is lost reports success when the delete went through', async () => {
    sandbox.control.injectFault({kind: 'drop', method: 'DELETE', when: 'after'})
    const result = await cli(
      'spaces:vpn:destroy',
      SEEDED_CONNECTION,
      '--space',
      SPACE_WITH_CONNECTION,
      '--confirm',
      SEEDED_CONNECTION,
    )
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Destroying VPN connection office')
    expect(result.stderr).toContain('checking whether it went through')
    expect(requests().filter((request) => request.startsWith('DELETE'))).toHaveLength(1)
  })

  it('update refuses a connection being destroyed, sending no PATCH', async () => {
    // setTiming changes only connections created later: the seeded one keeps its 0.2 s, which a loaded machine can
    // spend between two commands, so this test has a sandbox whose seeded connection takes a minute to go
    const slow = await startSandbox({
      timing: {deprovisioning: 60, pending: 0.2, provisioning: 0.2, tunnelsUpAfter: 0.2},
    })
    try {
      const run = (...args: string[]) => runCli(args, {env: slow.env})
      expect(
        (
          await run(
            'spaces:vpn:destroy',
            SEEDED_CONNECTION,
            '--space',
            SPACE_WITH_CONNECTION,
            '--confirm',
            SEEDED_CONNECTION,
          )
        ).code,
      ).toBe(0)
      const result = await run(
        'spaces:vpn:update',
        SEEDED_CONNECTION,
        '--space',
        SPACE_WITH_CONNECTION,
        '--cidrs',
        '172.16.0.0/16',
      )
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('is being destroyed')
      expect(slow.control.requests().filter((entry) => entry.method === 'PATCH')).toEqual([])
    } finally {
      await slow.stop()
    }
  })

  it('info and config on a failed connection suggest replacing it, not waiting', async () => {
    sandbox.control.failConnection(SPACE_WITH_CONNECTION, SEEDED_CONNECTION, 'rejected')
    for (const command of ['spaces:vpn:info', 'spaces:vpn:config']) {
      const result = await cli(command, SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION)
      expect(`${result.stdout}${result.stderr}`).not.toContain('spaces:vpn:wait')
    }
  })
})

describe('the network', () => {
  it('a hung server never outlives --timeout', async () => {
    const arrivals: number[] = []
    // takes every request and never answers
    const hung = createHttpServer(() => arrivals.push(Date.now()))
    await new Promise<void>((resolve) => {
      hung.listen(0, '127.0.0.1', resolve)
    })
    try {
      const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`
      const result = await runCli(
        ['spaces:vpn:wait', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION, '--timeout', '2'],
        {env: {HEROKU_API_KEY: 'key', HEROKU_HOST: url}},
      )
      expect(result.code).toBe(124)
      expect(msFromFirstRequestToExit(result, arrivals[0])).toBeLessThan(2000 + 1000)
    } finally {
      hung.closeAllConnections()
      hung.close()
    }
  })

  it('a TLS certificate that is not trusted fails at once, naming the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vpn-tls-'))
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        `${dir}/key.pem`,
        '-out',
        `${dir}/cert.pem`,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ],
      {
        stdio: 'ignore',
      },
    )
    let handshakes = 0
    const server = createServer(
      {cert: readFileSync(`${dir}/cert.pem`), key: readFileSync(`${dir}/key.pem`)},
      (_request, response) => response.end('{}'),
    )
    server.on('connection', () => handshakes++)
    await new Promise<void>((resolve) => {
      server.listen(0, '127.0.0.1', resolve)
    })
    try {
      const url = `https://localhost:${(server.address() as AddressInfo).port}`
      const result = await runCli(info, {env: {HEROKU_API_KEY: 'key', HEROKU_HOST: url}})
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(
        `The TLS certificate of ${url} was not accepted: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)`,
      )
      expect(result.stderr).not.toContain('trying again')
      expect(handshakes).toBe(1)
    } finally {
      server.closeAllConnections()
      server.close()
      rmSync(dir, {force: true, recursive: true})
    }
  })
})

describe('output', () => {
  it('control characters in a status message are escaped for people and kept in --json', async () => {
    sandbox.control.failConnection(SPACE_WITH_CONNECTION, SEEDED_CONNECTION, '\u001B]0;owned\u0007\u001B[2Jbad')
    const human = await cli(...info)
    expect(human.stdout).not.toContain('\u001B')
    expect(human.stdout).toContain(String.raw`\x1B]0;owned\x07\x1B[2Jbad`)
    const waited = await cli('spaces:vpn:wait', SEEDED_CONNECTION, '--space', SPACE_WITH_CONNECTION)
    expect(waited.stderr).not.toContain('\u001B')
    const json = await cli(...info, '--json')
    expect(JSON.parse(json.stdout).status_message).toBe('\u001B]0;owned\u0007\u001B[2Jbad')
  })

  function runWithStdout(
    stdout: 'pipe' | number,
    args: readonly string[],
  ): Promise<{code: null | number; stderr: string}> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        env: {PATH: process.env.PATH, ...sandbox.env},
        stdio: ['ignore', stdout, 'pipe'],
      })
      let stderr = ''
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
      })
      if (stdout === 'pipe') child.stdout!.destroy()
      child.on('close', (code) => resolve({code, stderr}))
    })
  }

  it('a full disk is one line on stderr and exit code 1', async () => {
    const result = await runWithStdout(openSync('/dev/full', 'w'), info)
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      ' ›   Error: could not write the result to stdout: ENOSPC: no space left on device, write\n',
    )
  })

  it('a reader that went away ends it quietly', async () => {
    const result = await runWithStdout('pipe', [...info, '--json'])
    expect(result).toEqual({code: 0, stderr: ''})
  })
})
