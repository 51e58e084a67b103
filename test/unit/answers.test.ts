import nock from 'nock'
import {describe, expect, it} from 'vitest'

import {waitForConnection} from '../../src/lib/actions/polling.js'
import {PlatformApiError} from '../../src/lib/api/errors.js'
import {retryDelayMs} from '../../src/lib/api/retry.js'
import {API, testContext, vpnConnection} from '../support/fixtures.js'

const CONNECTION = '/spaces/acme-space/vpn-connections/office'

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a failure')
    },
    (error: unknown) => error as Error,
  )
}

describe('Retry-After never makes a delay shorter than the first backoff', () => {
  it.each([
    ['0', '0'],
    ['a date in the past', 'Mon, 01 Jan 2001 00:00:00 GMT'],
  ])('a one-off request after Retry-After %s waits 0.5 s', async (_case, header) => {
    const context = testContext()
    nock(API)
      .get(CONNECTION)
      .times(2)
      .reply(503, {id: 'unavailable', message: 'busy'}, {'Retry-After': header})
      .get(CONNECTION)
      .reply(200, vpnConnection())
    await context.api.getVpnConnection('acme-space', 'office')
    expect(context.sleeps).toEqual([500, 500])
  })

  it('wait polls no faster than once a second, whatever Retry-After says', async () => {
    let clock = 0
    const sleeps: number[] = []
    const rateLimited = new PlatformApiError('busy', {
      apiId: undefined,
      retryAfterMs: 0,
      status: 429,
      subject: {space: 'acme', tokenFromEnv: false},
    })
    const polls: number[] = []
    const error = await failure(
      waitForConnection(
        {name: 'office', space: 'acme'},
        {intervalMs: 10_000, timeoutMs: 3000, tunnelsUp: false},
        {
          now: () => clock,
          onEvent() {},
          async poll() {
            polls.push(clock)
            throw rateLimited
          },
          async sleep(ms) {
            sleeps.push(ms)
            clock += ms
          },
        },
      ),
    )
    expect(error.message).toContain('Timed out')
    expect(polls).toEqual([0, 1000, 2000])
    expect(retryDelayMs(rateLimited, 0, {initialBackoffMs: 1000, maxBackoffMs: 10_000, maxRetryAfterMs: 60_000})).toBe(
      1000,
    )
  })
})
