import {PassThrough} from 'node:stream'

import type {CommandContext} from '../../src/lib/actions/context.js'
import type {SpaceInfo, VpnConnection, VpnTunnel} from '../../src/lib/api/types.js'
import type {LocalUser} from '../../src/lib/gateway/write-files.js'
import type {TerminalStreams} from '../../src/lib/ui/terminal.js'

import {type CommandProcess, createCommandContext, processUser} from '../../src/cli/context.js'

export const API = 'https://api.heroku.com'
export const TOKEN = 'test-token'

export function tunnel(overrides: Partial<VpnTunnel> = {}): VpnTunnel {
  return {
    customer_ip: '52.91.173.226',
    ip: '34.203.187.158',
    last_status_change: '2026-11-24T10:02:13Z',
    pre_shared_key: 'abcdef12345',
    status: 'UP',
    status_message: '',
    ...overrides,
  }
}

/** The article's example connection, active with two tunnels unless overridden. */
export function vpnConnection(overrides: Partial<VpnConnection> = {}): VpnConnection {
  return {
    id: '5e1f0ba2-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
    ike_version: 1,
    name: 'office',
    public_ip: '52.91.173.226',
    routable_cidrs: ['172.16.0.0/16'],
    space_cidr_block: '10.0.0.0/16',
    status: 'active',
    status_message: '',
    tunnels: [tunnel(), tunnel({ip: '34.227.70.143', pre_shared_key: '123456abcdef'})],
    ...overrides,
  }
}

export function pendingConnection(overrides: Partial<VpnConnection> = {}): VpnConnection {
  return vpnConnection({status: 'pending', tunnels: [], ...overrides})
}

export function space(overrides: Partial<SpaceInfo> = {}): SpaceInfo {
  return {
    cidr: '10.0.0.0/16',
    data_cidr: '10.1.0.0/16',
    generation: 'cedar',
    id: '0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a',
    name: 'acme-space',
    shield: false,
    state: 'allocated',
    ...overrides,
  }
}

class CapturedStream extends PassThrough {
  text = ''

  constructor(readonly isTTY: boolean) {
    super()
  }

  override write(chunk: unknown): boolean {
    this.text += String(chunk)
    return true
  }
}

export interface TestProcessOptions {
  readonly env?: Record<string, string | undefined>
  readonly spinnerAction?: TerminalStreams['spinnerAction']
  readonly stdinText?: string
  /** Makes the token come from HEROKU_API_KEY, as far as the API's advice on a 401 is concerned. */
  readonly tokenFromEnv?: boolean
  readonly tty?: boolean
  /** Who the command runs as; the test process's own user unless given. */
  readonly user?: LocalUser
}

export interface TestProcess extends CommandProcess {
  /** Moves the clock by `ms` and runs every ticker that is due, as that much time passing would. */
  readonly advance: (ms: number) => void
  readonly sleeps: number[]
  readonly stderr: CapturedStream
  readonly stdout: CapturedStream
}

/**
 * A process over in-memory streams (`tty` makes all three look like a terminal), whose clock only moves when the
 * code sleeps, and whose sleeps are recorded instead of waited out.
 */
export function testProcess(options: TestProcessOptions = {}): TestProcess {
  const tty = options.tty ?? false
  const stdout = new CapturedStream(tty)
  const stderr = new CapturedStream(tty)
  const stdin = Object.assign(new PassThrough(), {isTTY: tty})
  if (options.stdinText !== undefined) stdin.end(options.stdinText)
  const sleeps: number[] = []
  let clock = 1_700_000_000_000
  const tickers = new Set<{due: number; readonly ms: number; readonly tick: () => void}>()
  return {
    advance(ms) {
      const until = clock + ms
      for (;;) {
        const next = [...tickers].sort((a, b) => a.due - b.due)[0]
        if (next === undefined || next.due > until) break
        clock = next.due
        next.due += next.ms
        next.tick()
      }

      clock = until
    },
    env: {CI: tty ? undefined : 'true', ...(options.tokenFromEnv ? {HEROKU_API_KEY: TOKEN} : {}), ...options.env},
    every(ms, tick) {
      const ticker = {due: clock + ms, ms, tick}
      tickers.add(ticker)
      return () => tickers.delete(ticker)
    },
    now: () => clock,
    async sleep(ms) {
      sleeps.push(ms)
      clock += ms
    },
    sleeps,
    spinnerAction: options.spinnerAction,
    stderr,
    stdin: () => stdin,
    stdout,
    user: options.user ?? processUser(),
  }
}

export interface TestContext extends CommandContext {
  readonly advance: TestProcess['advance']
  readonly sleeps: number[]
  stderr(): string
  stdout(): string
}

/** A context built as the commands build theirs, over a test process, with a fixed token and the API intercepted by nock. */
export function testContext(options: TestProcessOptions = {}): TestContext {
  const host = testProcess(options)
  const context = createCommandContext(host, async () => TOKEN)
  return {
    ...context,
    advance: host.advance,
    sleeps: host.sleeps,
    stderr: () => host.stderr.text,
    stdout: () => host.stdout.text,
  }
}

/** A socket-level failure for nock's replyWithError (nock 14 only emits it for Error instances). */
export function socketError(code: string, message = code): Error {
  return Object.assign(new Error(message), {code})
}

/** What the promise rejected with; a promise that resolves fails the test here, not in a later assertion. */
export function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`)
    },
    (error: unknown) => error,
  )
}
