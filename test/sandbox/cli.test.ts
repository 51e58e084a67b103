import {type ChildProcess, spawn} from 'node:child_process'
import {once} from 'node:events'
import {createServer} from 'node:net'
import {fileURLToPath} from 'node:url'
import {describe, expect, it, onTestFinished} from 'vitest'

import {parseCliArguments, parseDuration} from '../../src/sandbox/cli-options.js'
import {DEMO_TIMING, REALISTIC_TIMING, SANDBOX_API_KEY, SPACE_WITH_CONNECTION} from '../../src/sandbox/index.js'
import {ACCEPT_V3, send} from './support.js'

const CLI = fileURLToPath(new URL('../../src/sandbox/cli.ts', import.meta.url))

interface Running {
  readonly child: ChildProcess
  readonly env: Record<string, string>
  stderr(): string
  stdout(): string
}

function run(args: readonly string[]): {child: ChildProcess; stderr: () => string; stdout: () => string} {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {stdio: ['ignore', 'pipe', 'pipe']})
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk
  })
  return {child, stderr: () => stderr, stdout: () => stdout}
}

/** Starts the CLI and waits for the environment lines, as a CI script would. */
async function startCli(args: readonly string[] = []): Promise<Running> {
  const started = run(args)
  const deadline = Date.now() + 10_000
  while (!/^HEROKU_API_KEY=.+$/m.test(started.stdout())) {
    if (started.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`the sandbox did not start: ${started.stderr()}`)
    await new Promise((resolve) => {
      setTimeout(resolve, 20)
    })
  }

  const env = Object.fromEntries(
    started
      .stdout()
      .split('\n')
      .filter((line) => /^HEROKU_\w+=/.test(line))
      .map((line) => line.split(/=(.*)/s).slice(0, 2)),
  )
  return {...started, env}
}

async function exitOf(child: ChildProcess): Promise<{code: null | number; signal: NodeJS.Signals | null}> {
  if (child.exitCode !== null || child.signalCode !== null) return {code: child.exitCode, signal: child.signalCode}
  const [code, signal] = await once(child, 'exit')
  return {code, signal}
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  await new Promise((resolve) => {
    server.close(resolve)
  })
  return typeof address === 'object' && address !== null ? address.port : 0
}

describe('the sandbox command line', () => {
  it('prints the base URL and the two environment lines, serves the API there, and stops on SIGTERM with exit 0', async () => {
    const cli = await startCli()
    const lines = cli.stdout().trimEnd().split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(/^# Heroku Platform API sandbox listening on http:\/\/127\.0\.0\.1:\d+$/)
    expect(cli.env.HEROKU_HOST).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(lines[0]).toContain(cli.env.HEROKU_HOST)
    expect(cli.env.HEROKU_API_KEY).toBe(SANDBOX_API_KEY)

    const reply = await send(cli.env.HEROKU_HOST as string, 'GET', `/spaces/${SPACE_WITH_CONNECTION}`, {
      headers: {Accept: ACCEPT_V3, Authorization: `Bearer ${cli.env.HEROKU_API_KEY}`},
    })
    expect(reply.status).toBe(200)

    const stopped = Date.now()
    cli.child.kill('SIGTERM')
    expect(await exitOf(cli.child)).toEqual({code: 0, signal: null})
    expect(Date.now() - stopped).toBeLessThan(2000)
    expect(cli.stderr()).toMatch(new RegExp(`^GET /spaces/${SPACE_WITH_CONNECTION} -> 200 in \\d+ ms$`, 'm'))
    expect(cli.stderr()).toContain('SIGTERM: stopping the sandbox.')
    await expect(send(cli.env.HEROKU_HOST as string, 'GET', '/__sandbox')).rejects.toMatchObject({code: 'ECONNREFUSED'})
  })

  it('stops on Ctrl-C even with a slow answer in flight and an idle connection open, leaving nothing running', async () => {
    const cli = await startCli(['--quiet'])
    const host = cli.env.HEROKU_HOST as string
    await send(host, 'POST', '/__sandbox/faults', {body: {delayMs: 60_000, kind: 'delay'}})
    const inFlight = send(host, 'GET', `/spaces/${SPACE_WITH_CONNECTION}`, {
      headers: {Accept: ACCEPT_V3, Authorization: `Bearer ${SANDBOX_API_KEY}`},
    })
    inFlight.catch(() => {})
    await new Promise((resolve) => {
      setTimeout(resolve, 100)
    })
    cli.child.kill('SIGINT')
    expect(await exitOf(cli.child)).toEqual({code: 0, signal: null})
    await expect(inFlight).rejects.toMatchObject({code: 'ECONNRESET'})
    expect(cli.stderr()).not.toContain('->')
  })

  it('listens on the port and takes the API key it is given', async () => {
    const port = await freePort()
    const cli = await startCli(['--port', String(port), '--api-key', 'ci-key', '--pending', '0'])
    expect(cli.env).toEqual({HEROKU_API_KEY: 'ci-key', HEROKU_HOST: `http://127.0.0.1:${port}`})
    const timing = await send(cli.env.HEROKU_HOST as string, 'GET', '/__sandbox/timing')
    expect(timing.body).toEqual({...DEMO_TIMING, pending: 0})
    cli.child.kill('SIGTERM')
    expect((await exitOf(cli.child)).code).toBe(0)
  })

  it('exits 1 with a hint when the port is taken', async () => {
    const first = await startCli()
    const {port} = new URL(first.env.HEROKU_HOST as string)
    const second = run(['--port', port])
    expect((await exitOf(second.child)).code).toBe(1)
    expect(second.stderr()).toContain('already in use')
    expect(second.stdout()).toBe('')
  })

  it('prints its help on --help, and exits 2 on a flag it does not know', async () => {
    const help = run(['--help'])
    expect((await exitOf(help.child)).code).toBe(0)
    expect(help.stdout()).toContain('--tunnels-up-after')
    expect(help.stdout()).toContain(SPACE_WITH_CONNECTION)
    const wrong = run(['--prot', '5000'])
    expect((await exitOf(wrong.child)).code).toBe(2)
    expect(wrong.stderr()).toContain("Unknown option '--prot'")
  })
})

describe('parsing the command line', () => {
  it('starts on a free port with the sandbox key and the demo timing by default', () => {
    expect(parseCliArguments([])).toEqual({
      kind: 'start',
      options: {apiKey: undefined, port: 0, timing: DEMO_TIMING},
      quiet: false,
    })
  })

  it('takes realistic minutes, with any flag given overriding them', () => {
    const command = parseCliArguments(['--realistic', '--provisioning', '4m', '--tunnels-up-after', 'never', '--quiet'])
    expect(command).toEqual({
      kind: 'start',
      options: {apiKey: undefined, port: 0, timing: {...REALISTIC_TIMING, provisioning: 240, tunnelsUpAfter: null}},
      quiet: true,
    })
  })

  it.each([
    ['0', 0],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['90s', 90],
    ['4m', 240],
    ['0.5m', 30],
  ])('reads the duration %s as %d seconds', (text, seconds) => {
    expect(parseDuration('pending', text)).toBe(seconds)
  })

  it.each([
    [['--pending', 'soon'], '--pending "soon" is not a duration'],
    [['--pending=-1'], '--pending "-1" is not a duration'],
    [['--pending', '90 s'], '--pending "90 s" is not a duration'],
    [['--pending', 'm'], '--pending "m" is not a duration'],
    [['--deprovisioning', 'never'], '--deprovisioning "never" is not a duration'],
    [['--port', '70000'], '--port "70000" is not a port number'],
    [['--port', 'http'], '--port "http" is not a port number'],
    [['--api-key', ''], '--api-key is empty'],
    [['--pending'], "Option '--pending <value>' argument missing"],
  ])('refuses %j', (argv, message) => {
    const command = parseCliArguments(argv)
    expect(command.kind).toBe('invalid')
    expect(command.kind === 'invalid' && command.message).toContain(message)
  })
})
