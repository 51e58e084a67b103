import {randomUUID} from 'node:crypto'
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'

import type {Answer} from './answers.js'
import type {ApiOutcome, ApiRequest} from './api.js'
import type {SandboxClock} from './clock.js'
import type {RequestLog, RequestLogEntry} from './request-log.js'

import {describeFault, faultAnswer, type FaultInjector, type FaultRule} from './faults.js'
import {isAdminPath} from './routes.js'

export const SANDBOX_HOST = '127.0.0.1'

export interface SandboxServerOptions {
  readonly clock: SandboxClock
  readonly faults: FaultInjector
  readonly handleAdmin: (method: string, path: string, bodyText: string) => Answer
  readonly handleApi: (request: ApiRequest) => ApiOutcome
  readonly log: RequestLog
  readonly onRequest?: (entry: RequestLogEntry) => void
}

export interface SandboxServer {
  /** Stops listening, cancels delayed answers and closes every connection. */
  close(): Promise<void>
  /** Drops every request held by a delay, without carrying it out: nothing it would have done happens later. */
  dropHeld(): void
  /** Resolves with the port it listens on, on 127.0.0.1 only; 0 picks a free one. */
  listen(port: number): Promise<number>
}

/** The Platform API's hourly budget; the sandbox only reports it, limiting nothing unless a fault says so. */
const RATE_LIMIT_BUDGET = 4500
const RATE_LIMIT_REFILL_PER_MS = 75 / 60_000

class RateLimitBudget {
  private refilledAt: number
  private remaining = RATE_LIMIT_BUDGET

  constructor(private readonly clock: SandboxClock) {
    this.refilledAt = clock.now()
  }

  current(): number {
    const now = this.clock.now()
    this.remaining = Math.min(RATE_LIMIT_BUDGET, this.remaining + (now - this.refilledAt) * RATE_LIMIT_REFILL_PER_MS)
    this.refilledAt = now
    return Math.floor(this.remaining)
  }

  spend(): number {
    this.remaining = Math.max(0, this.current() - 1)
    return this.remaining
  }
}

/** Timers for slow answers, all cancelled on close so a stopped sandbox leaves nothing behind. */
class Delays {
  /** What cancels each pending wait: its timer, and the wait itself, answered false. */
  private readonly pending = new Set<() => void>()

  constructor(private readonly clock: SandboxClock) {}

  cancelAll(): void {
    for (const cancel of this.pending) cancel()
    this.pending.clear()
  }

  /** Resolves true after `ms`, or false if cancelled first. */
  wait(ms: number): Promise<boolean> {
    if (ms <= 0) return Promise.resolve(true)
    return new Promise((resolve) => {
      const cancel = () => {
        cancelTimer()
        resolve(false)
      }

      const cancelTimer = this.clock.setTimer(ms, () => {
        this.pending.delete(cancel)
        resolve(true)
      })
      this.pending.add(cancel)
    })
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

function send(response: ServerResponse, answer: Answer, requestId: string, rateLimitRemaining: number): void {
  const text = JSON.stringify(answer.body)
  response.writeHead(answer.status, {
    'Content-Length': Buffer.byteLength(text),
    'Content-Type': 'application/json',
    'RateLimit-Remaining': String(rateLimitRemaining),
    'Request-Id': requestId,
    ...answer.headers,
  })
  response.end(text)
}

const INTERNAL_ERROR: Answer = {
  body: {id: 'internal_server_error', message: 'The sandbox failed on this request.'},
  status: 500,
}

/** How a fault, if any, changes the handling of one request: held back, replaced, before or after it is carried out. */
function faultPlan(fault: FaultRule | undefined): {
  after: boolean
  delayMs: number
  replacement: FaultRule | undefined
} {
  if (fault === undefined) return {after: false, delayMs: 0, replacement: undefined}
  const after = fault.when === 'after'
  return fault.kind === 'delay'
    ? {after, delayMs: fault.delayMs ?? 0, replacement: undefined}
    : {after, delayMs: 0, replacement: fault}
}

export function createSandboxServer(options: SandboxServerOptions): SandboxServer {
  const budget = new RateLimitBudget(options.clock)
  const delays = new Delays(options.clock)

  const serveApi = async (
    request: ApiRequest,
    response: ServerResponse,
    requestId: string,
    arrived: number,
  ): Promise<void> => {
    const fault = options.faults.take(request.method, request.path)
    const {after, delayMs, replacement} = faultPlan(fault)

    if (!(after || (await delays.wait(delayMs)))) {
      response.socket?.destroy()
      return
    }

    const outcome = replacement && !after ? undefined : options.handleApi(request)
    if (after && !(await delays.wait(delayMs))) {
      response.socket?.destroy()
      return
    }

    let status: null | number = null
    if (replacement?.kind === 'drop') {
      response.socket?.destroy()
    } else {
      const answer = replacement ? faultAnswer(replacement) : (outcome?.answer ?? INTERNAL_ERROR)
      send(response, answer, requestId, budget.spend())
      status = answer.status
    }

    const entry: RequestLogEntry = {
      durationMs: options.clock.now() - arrived,
      fault: fault ? describeFault(fault) : null,
      handled: outcome?.handled ?? false,
      method: request.method,
      path: request.path,
      requestId,
      status,
      time: new Date(arrived).toISOString(),
    }
    options.log.record(entry)
    options.onRequest?.(entry)
  }

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const arrived = options.clock.now()
    const requestId = randomUUID()
    const method = request.method ?? 'GET'
    const path = (request.url ?? '/').split('?')[0] ?? '/'
    const bodyText = await readBody(request)
    if (isAdminPath(path)) {
      send(response, options.handleAdmin(method, path, bodyText), requestId, budget.current())
      return
    }

    await serveApi({bodyText, headers: request.headers, method, path}, response, requestId, arrived)
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) send(response, INTERNAL_ERROR, randomUUID(), budget.current())
    })
  })

  return {
    close: () =>
      new Promise((resolve) => {
        delays.cancelAll()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
    dropHeld: () => delays.cancelAll(),
    listen: (port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, SANDBOX_HOST, () => {
          server.off('error', reject)
          const address = server.address()
          resolve(typeof address === 'object' && address !== null ? address.port : port)
        })
      }),
  }
}
