import type {IncomingHttpHeaders} from 'node:http'

import {request} from 'node:http'
import {onTestFinished} from 'vitest'

import {type Sandbox, type SandboxOptions, startSandbox} from '../../src/sandbox/index.js'

export const ACCEPT_V3 = 'application/vnd.heroku+json; version=3'

/** Short phases for tests that watch real time pass. */
export const QUICK_TIMING = {deprovisioning: 0.05, pending: 0.05, provisioning: 0.05, tunnelsUpAfter: 0.05}

export interface Reply {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  /** Parsed JSON, read field by field in the tests. */
  readonly body: any
}

export interface SendOptions {
  readonly body?: unknown
  /** Replaces the default headers; a header set to undefined is left out. */
  readonly headers?: Record<string, string | undefined>
}

/** One request on a fresh connection, so a dropped connection is seen as such and never retried by a pool. */
export function send(baseUrl: string, method: string, path: string, options: SendOptions = {}): Promise<Reply> {
  const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
  const headers = Object.fromEntries(Object.entries(options.headers ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined))
  if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload))
  return new Promise((resolve, reject) => {
    // The path goes out as written: a URL object would fold the dot segments (%2E%2E) that tests send on purpose.
    const {hostname, port} = new URL(baseUrl)
    const outgoing = request({agent: false, headers, hostname, method, path, port}, (incoming) => {
      let text = ''
      incoming.setEncoding('utf8')
      incoming.on('data', (chunk: string) => (text += chunk))
      incoming.on('end', () => resolve({body: text === '' ? undefined : JSON.parse(text), headers: incoming.headers, status: incoming.statusCode ?? 0}))
      incoming.on('error', reject)
    })
    outgoing.on('error', reject)
    outgoing.end(payload)
  })
}

export interface TestSandbox {
  readonly sandbox: Sandbox
  /** A Platform API request with the right Accept header and key. */
  api(method: string, path: string, body?: unknown): Promise<Reply>
  /** An admin request, with no headers at all. */
  admin(method: string, path: string, body?: unknown): Promise<Reply>
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

/** A clock that moves only when told to. */
export function fakeClock(start = Date.parse('2026-11-24T10:00:00Z')) {
  let now = start
  return {
    advance(seconds: number) {
      now += seconds * 1000
    },
    now: () => now,
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export const OFFICE_BODY = {name: 'office', public_ip: '52.91.173.226', routable_cidrs: ['172.16.0.0/16']}
