import {describe, expect, it} from 'vitest'

import type {VpnConnection} from '../../src/lib/api/types.js'

import {
  GONE_GOAL,
  isReady,
  pollConnection,
  type PollOptions,
  type PollTiming,
  readyGoal,
  type WaitDependencies,
  type WaitEvent,
  type WaitSubject,
} from '../../src/lib/actions/polling.js'
import {PlatformApiError} from '../../src/lib/api/errors.js'
import {proxyFailure} from '../../src/lib/api/network-route.js'
import {NetworkError, TlsCertificateError} from '../../src/lib/api/transport.js'
import {ExitCode} from '../../src/lib/exit-codes.js'
import {pendingConnection, rejection, tunnel, vpnConnection} from '../support/fixtures.js'

type Answer = Error | VpnConnection

/** The two waits the commands make: until ready (wait), and until gone (destroy --wait). */
const waitForConnection = (subject: WaitSubject, options: PollOptions, deps: WaitDependencies) =>
  pollConnection(subject, options, readyGoal(subject, options.tunnelsUp), deps)
const waitForDeletion = (subject: WaitSubject, timing: PollTiming, deps: WaitDependencies) =>
  pollConnection(subject, timing, GONE_GOAL, deps)

/** A scripted API and a clock that moves only when the loop sleeps or a poll takes time. */
function scenario(answers: Answer[], pollMs = 0) {
  let clock = 0
  const polls: Array<{at: number; timeoutMs: number}> = []
  const sleeps: number[] = []
  const events: WaitEvent[] = []
  const deps = {
    now: () => clock,
    onEvent: (event: WaitEvent) => events.push(event),
    async poll(timeoutMs: number) {
      polls.push({at: clock, timeoutMs})
      const answer = answers.shift()
      if (answer === undefined) throw new Error('the test ran out of scripted answers')
      clock += Math.min(pollMs, timeoutMs)
      if (answer instanceof Error) throw answer
      return answer
    },
    async sleep(ms: number) {
      sleeps.push(ms)
      clock += ms
    },
  }
  return {deps, events, polls, sleeps, time: () => clock}
}

const subject = {
  destroyCommand: 'heroku spaces:vpn:destroy office --space acme --confirm office',
  name: 'office',
  space: 'acme',
}
const options: PollOptions = {intervalMs: 10_000, timeoutMs: 60_000, tunnelsUp: false}

function apiError(status: number, headers: Record<string, string> = {}, message = `HTTP ${status}`): PlatformApiError {
  const retryAfter = headers['retry-after']
  return new PlatformApiError(message, {
    apiId: undefined,
    retryAfterMs: retryAfter ? Number(retryAfter) * 1000 : undefined,
    status,
    subject: {space: 'acme', tokenFromEnv: false},
  })
}

const dropped = () => new NetworkError('ECONNRESET', 'https://api.heroku.com', 'socket hang up')

describe('waitForConnection', () => {
  it('returns at once, after one GET, when the connection is already active', async () => {
    const run = scenario([vpnConnection()])
    await expect(waitForConnection(subject, options, run.deps)).resolves.toMatchObject({status: 'active'})
    expect(run.polls).toHaveLength(1)
    expect(run.sleeps).toEqual([])
  })

  it('polls once per interval until active, and not after', async () => {
    const run = scenario([pendingConnection(), pendingConnection({status: 'provisioning'}), vpnConnection()])
    await waitForConnection(subject, options, run.deps)
    expect(run.polls.map((poll) => poll.at)).toEqual([0, 10_000, 20_000])
    expect(run.sleeps).toEqual([10_000, 10_000])
    expect(run.events.filter((event) => event.kind === 'poll' && event.changed)).toHaveLength(3)
  })

  it('reports a change of state once, not on every poll', async () => {
    const run = scenario([pendingConnection(), pendingConnection(), pendingConnection(), vpnConnection()])
    await waitForConnection(subject, options, run.deps)
    const changes = run.events.filter((event) => event.kind === 'poll' && event.changed)
    expect(changes).toHaveLength(2)
  })

  it('ends at once with exit code 1 and the status message when the connection fails', async () => {
    const run = scenario([
      pendingConnection(),
      vpnConnection({status: 'failed', status_message: 'supplied CIDR block already in use', tunnels: []}),
    ])
    const error = await rejection(waitForConnection(subject, options, run.deps))
    expect(error).toMatchObject({
      exitCode: ExitCode.failed,
      message: expect.stringContaining('failed: supplied CIDR block already in use'),
    })
    expect(run.polls).toHaveLength(2)
  })

  it('ends at once when the connection does not exist', async () => {
    const run = scenario([apiError(404)])
    await expect(waitForConnection(subject, options, run.deps)).rejects.toMatchObject({
      exitCode: ExitCode.failed,
      status: 404,
    })
    expect(run.sleeps).toEqual([])
  })

  it('ends at once when the connection is being destroyed', async () => {
    const run = scenario([vpnConnection({status: 'deprovisioning'})])
    await expect(waitForConnection(subject, options, run.deps)).rejects.toThrow(/is being destroyed/)
  })

  it('rides out 503, dropped connections and 429 with Retry-After, with backoff', async () => {
    const run = scenario([
      pendingConnection(),
      apiError(503),
      dropped(),
      apiError(429, {'retry-after': '7'}),
      apiError(500),
      vpnConnection(),
    ])
    await expect(waitForConnection(subject, options, run.deps)).resolves.toMatchObject({status: 'active'})
    expect(run.sleeps).toEqual([10_000, 1000, 2000, 7000, 8000])
    expect(run.events.filter((event) => event.kind === 'retry')).toHaveLength(4)
  })

  it('caps the backoff at the interval and starts it over after a good answer', async () => {
    const run = scenario([
      apiError(503),
      apiError(503),
      apiError(503),
      apiError(503),
      apiError(503),
      pendingConnection(),
      apiError(503),
      vpnConnection(),
    ])
    await waitForConnection(subject, {...options, intervalMs: 5000}, run.deps)
    expect(run.sleeps).toEqual([1000, 2000, 4000, 5000, 5000, 5000, 1000])
  })

  it('stops on time with exit code 124, not a whole interval late, and names the last status', async () => {
    const answers = Array.from({length: 10}, () => pendingConnection({status: 'provisioning'}))
    const run = scenario(answers)
    const error = await rejection(waitForConnection(subject, {...options, timeoutMs: 25_000}, run.deps))
    expect(error).toMatchObject({exitCode: ExitCode.timeout})
    expect((error as Error).message).toBe(
      'Timed out after 25s waiting for VPN connection office in space acme. Last status: provisioning.',
    )
    expect(run.time()).toBe(25_000)
    expect(run.polls.map((poll) => poll.at)).toEqual([0, 10_000, 20_000])
  })

  it('times out on schedule even while every request fails, and says why', async () => {
    const run = scenario(Array.from({length: 20}, () => dropped()))
    const error = await rejection(waitForConnection(subject, {...options, timeoutMs: 12_000}, run.deps))
    expect(error).toMatchObject({exitCode: ExitCode.timeout})
    expect((error as Error).message).toBe(
      'Timed out after 12s waiting for VPN connection office in space acme. No answer was received. The last request failed: Could not reach the Heroku API at https://api.heroku.com: socket hang up.',
    )
    expect(run.time()).toBe(12_000)
  })

  it('ends a message from the API that ends in a period with one period, not ").)."', async () => {
    const run = scenario(Array.from({length: 5}, () => apiError(503, {}, 'Service unavailable (try later).')))
    const error = await rejection(waitForConnection(subject, {...options, timeoutMs: 500}, run.deps))
    expect((error as Error).message).toMatch(/The last request failed: Service unavailable \(try later\)\.$/)
  })

  it('does not announce a retry that the deadline comes before', async () => {
    const run = scenario([pendingConnection(), apiError(429, {'retry-after': '60'})])
    const error = await rejection(
      waitForConnection(subject, {...options, intervalMs: 1000, timeoutMs: 30_000}, run.deps),
    )
    expect(error).toMatchObject({exitCode: ExitCode.timeout})
    expect(run.events.filter((event) => event.kind === 'retry')).toEqual([])
    expect(run.time()).toBe(30_000)
  })

  it('backs off from 1 s whatever the interval, so a short interval does not mean fast retries', async () => {
    const run = scenario([apiError(503), apiError(503), vpnConnection()])
    await waitForConnection(subject, {...options, intervalMs: 100}, run.deps)
    expect(run.sleeps).toEqual([1000, 1000])
  })

  it('never lets a request outlive the deadline', async () => {
    const run = scenario([pendingConnection(), pendingConnection(), pendingConnection()], 3000)
    await waitForConnection(subject, {...options, intervalMs: 10_000, timeoutMs: 25_000}, run.deps).catch(() => {})
    expect(run.polls.map((poll) => poll.timeoutMs)).toEqual([25_000, 12_000])
  })

  it('treats a request that timed out at the deadline as the end of the wait', async () => {
    const timedOut = () => new NetworkError('ETIMEDOUT', 'https://api.heroku.com', 'no answer')
    const run = scenario([pendingConnection(), timedOut()], 6000)
    const error = await rejection(waitForConnection(subject, {...options, intervalMs: 1000, timeoutMs: 8000}, run.deps))
    expect(error).toMatchObject({exitCode: ExitCode.timeout})
    expect(run.polls.map((poll) => poll.timeoutMs)).toEqual([8000, 1000])
    expect(run.time()).toBe(8000)
  })

  it('with tunnelsUp, waits until every tunnel reports UP', async () => {
    const down = tunnel({status: 'DOWN'})
    const run = scenario([
      vpnConnection({tunnels: [down, down]}),
      vpnConnection({tunnels: [tunnel(), down]}),
      vpnConnection({tunnels: [tunnel(), tunnel()]}),
    ])
    await waitForConnection(subject, {...options, tunnelsUp: true}, run.deps)
    expect(run.polls).toHaveLength(3)
  })
})

describe('isReady', () => {
  it.each([
    ['pending', [], false, false],
    ['active', [], false, true],
    ['active', [], true, false],
    ['active', ['UP', 'DOWN'], true, false],
    ['active', ['UP', 'UP'], true, true],
    ['provisioning', ['UP', 'UP'], true, false],
  ] as const)('status %s with tunnels %j and tunnelsUp %s: %s', (status, states, tunnelsUp, ready) => {
    const connection = vpnConnection({status, tunnels: states.map((state) => tunnel({status: state}))})
    expect(isReady(connection, tunnelsUp)).toBe(ready)
  })
})

describe('waitForDeletion', () => {
  const deprovisioning = vpnConnection({status: 'deprovisioning', tunnels: []})
  /** The scripted API, where a connection without a status stands for a 404. */
  const untilGone = (answers: Answer[]) => {
    const run = scenario(answers)
    const poll = async (timeoutMs: number) => {
      const connection = await run.deps.poll(timeoutMs)
      return connection.status === undefined ? undefined : connection
    }

    return {...run, deps: {...run.deps, poll}}
  }

  it('polls through deprovisioning until the connection is gone', async () => {
    const run = untilGone([deprovisioning, deprovisioning, {}])
    await waitForDeletion(subject, options, run.deps)
    expect(run.polls).toHaveLength(3)
    expect(run.sleeps).toEqual([10_000, 10_000])
  })

  it('ends with exit code 124 when the connection is still there at the deadline', async () => {
    const run = untilGone(Array.from({length: 10}, () => deprovisioning))
    const error = await rejection(waitForDeletion(subject, {...options, timeoutMs: 25_000}, run.deps))
    expect(error).toMatchObject({exitCode: ExitCode.timeout})
    expect((error as Error).message).toBe(
      'Timed out after 25s waiting for VPN connection office in space acme to be destroyed. Last status: deprovisioning.',
    )
  })

  it.each([
    [
      'an untrusted certificate',
      new TlsCertificateError('DEPTH_ZERO_SELF_SIGNED_CERT', 'https://api.heroku.com', 'self-signed certificate'),
    ],
    [
      'an unreachable proxy',
      proxyFailure(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3128'), {code: 'ECONNREFUSED', port: 3128}),
        {
          proxy: {shown: 'http://127.0.0.1:3128', url: new URL('http://127.0.0.1:3128'), variable: 'HTTPS_PROXY'},
        },
      )!,
    ],
  ])('fails at once on %s, as the retry policy says, with exit code 1', async (_case, failure) => {
    for (const wait of [
      (deps: ReturnType<typeof scenario>['deps']) => waitForDeletion(subject, options, deps),
      (deps: ReturnType<typeof scenario>['deps']) => waitForConnection(subject, options, deps),
    ]) {
      const run = scenario([failure])
      await expect(wait(run.deps)).rejects.toMatchObject({exitCode: ExitCode.failed, message: failure.message})
      expect(run.sleeps).toEqual([])
      expect(run.events).toEqual([])
    }
  })
})
