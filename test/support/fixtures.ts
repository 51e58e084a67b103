import {PassThrough} from 'node:stream'

import type {SpaceInfo, VpnConnection, VpnTunnel} from '../../src/lib/api/types.js'
import type {CommandContext} from '../../src/lib/actions/context.js'

import {createTransport} from '../../src/lib/api/transport.js'
import {createPlatformApi} from '../../src/lib/api/client.js'
import {retryNotice} from '../../src/lib/ui/render.js'
import {Terminal} from '../../src/lib/ui/terminal.js'

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

export interface TerminalOptions {
  readonly tty?: boolean
  readonly stdinText?: string
  readonly env?: Record<string, string | undefined>
}

export interface CapturedTerminal {
  readonly terminal: Terminal
  stdout(): string
  stderr(): string
}

/** A Terminal over in-memory streams; `tty` makes all three look like a terminal. */
export function captureTerminal(options: TerminalOptions = {}): CapturedTerminal {
  const tty = options.tty ?? false
  const stdout = new CapturedStream(tty)
  const stderr = new CapturedStream(tty)
  const stdin = Object.assign(new PassThrough(), {isTTY: tty})
  if (options.stdinText !== undefined) stdin.end(options.stdinText)
  const terminal = new Terminal(stdout, stderr, () => stdin, {CI: tty ? undefined : 'true', ...options.env})
  return {stderr: () => stderr.text, stdout: () => stdout.text, terminal}
}

export interface TestContext extends CommandContext {
  readonly sleeps: number[]
  stdout(): string
  stderr(): string
}

/**
 * A context whose API talks real HTTP (intercepted by nock), whose clock only moves when the code sleeps,
 * and whose sleeps are recorded instead of waited out.
 */
export function testContext(options: TerminalOptions & {tokenFromEnv?: boolean} = {}): TestContext {
  const captured = captureTerminal(options)
  const sleeps: number[] = []
  let clock = 1_700_000_000_000
  const sleep = async (ms: number) => {
    sleeps.push(ms)
    clock += ms
  }

  const transport = createTransport({baseUrl: API, token: async () => TOKEN, userAgent: 'heroku-spaces-vpn/test'})
  const api = createPlatformApi({
    onRetry: (error, delayMs) => captured.terminal.warn(retryNotice(error, delayMs)),
    sleep,
    tokenFromEnv: options.tokenFromEnv ?? false,
    transport,
  })
  return {api, now: () => clock, sleep, sleeps, stderr: captured.stderr, stdout: captured.stdout, terminal: captured.terminal}
}

/** A socket-level failure for nock's replyWithError (nock 14 only emits it for Error instances). */
export function socketError(code: string, message = code): Error {
  return Object.assign(new Error(message), {code})
}
