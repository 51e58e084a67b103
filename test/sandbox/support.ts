import type {IncomingHttpHeaders} from 'node:http'

import {request} from 'node:http'
import {onTestFinished} from 'vitest'

import {type Sandbox, type SandboxClock, type SandboxOptions, startSandbox} from '../../src/sandbox/index.js'

export const ACCEPT_V3 = 'application/vnd.heroku+json; version=3'

export interface Reply {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON of every shape the API answers, read field by field: a wrong field fails its assertion
  readonly body: any
  readonly headers: IncomingHttpHeaders
  readonly status: number
}

export interface SendOptions {
  readonly body?: unknown
  /** Replaces the default headers; a header set to undefined is left out. */
  readonly headers?: Record<string, string | undefined>
}

/** One request on a fresh connection, so a dropped connection is seen as such and never retried by a pool. */
export function send(baseUrl: string, method: string, path: string, options: SendOptions = {}): Promise<Reply> {
  const payload =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body)
  const headers = Object.fromEntries(
    Object.entries(options.headers ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
  )
  if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload))
  return new Promise((resolve, reject) => {
    // The path goes out as written: a URL object would fold the dot segments (%2E%2E) that tests send on purpose.
    const {hostname, port} = new URL(baseUrl)
    const outgoing = request({agent: false, headers, hostname, method, path, port}, (incoming) => {
      let text = ''
      incoming.setEncoding('utf8')
      incoming.on('data', (chunk: string) => {
        text += chunk
      })
      incoming.on('end', () =>
        resolve({
          body: text === '' ? undefined : JSON.parse(text),
          headers: incoming.headers,
          status: incoming.statusCode ?? 0,
        }),
      )
      incoming.on('error', reject)
    })
    outgoing.on('error', reject)
    outgoing.end(payload)
  })
}

export interface TestSandbox {
  /** An admin request, with no headers at all. */
  admin(method: string, path: string, body?: unknown): Promise<Reply>
  /** A Platform API request with the right Accept header and key. */
  api(method: string, path: string, body?: unknown): Promise<Reply>
  readonly sandbox: Sandbox
}

/** A sandbox on a free port, stopped when the test ends. */
export async function sandboxForTest(options: SandboxOptions = {}): Promise<TestSandbox> {
  const sandbox = await startSandbox(options)
  onTestFinished(() => sandbox.stop())
  const apiHeaders = {Accept: ACCEPT_V3, Authorization: `Bearer ${sandbox.apiKey}`, 'Content-Type': 'application/json'}
  return {
    admin: (method, path, body) => send(sandbox.url, method, `/__sandbox${path}`, {body}),
    api: (method, path, body) => send(sandbox.url, method, path, {body, headers: apiHeaders}),
    sandbox,
  }
}

interface FakeTimer {
  readonly at: number
  readonly fire: () => void
}

export interface FakeClock extends SandboxClock {
  /** Moves the time on, firing the timers it passes, earliest first. */
  advance(seconds: number): void
  /** Resolves once this many timers are set and not yet fired, e.g. once the sandbox holds a delayed answer back. */
  timersSet(count?: number): Promise<void>
}

/** A clock that moves only when told to. */
export function fakeClock(start = Date.parse('2026-11-24T10:00:00Z')): FakeClock {
  let now = start
  let timers: FakeTimer[] = []
  let waiters: Array<{readonly count: number; readonly resolve: () => void}> = []
  const wakeWaiters = () => {
    const ready = waiters.filter((waiter) => timers.length >= waiter.count)
    waiters = waiters.filter((waiter) => !ready.includes(waiter))
    for (const waiter of ready) waiter.resolve()
  }

  return {
    advance(seconds) {
      now += seconds * 1000
      const due = timers.filter((timer) => timer.at <= now).sort((a, b) => a.at - b.at)
      timers = timers.filter((timer) => !due.includes(timer))
      for (const timer of due) timer.fire()
    },
    now: () => now,
    setTimer(ms, fire) {
      const timer = {at: now + ms, fire}
      timers.push(timer)
      wakeWaiters()
      return () => {
        timers = timers.filter((candidate) => candidate !== timer)
      }
    },
    timersSet(count = 1) {
      return new Promise((resolve) => {
        waiters.push({count, resolve})
        wakeWaiters()
      })
    },
  }
}

export const OFFICE_BODY = {name: 'office', public_ip: '52.91.173.226', routable_cidrs: ['172.16.0.0/16']}
