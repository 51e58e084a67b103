import nock from 'nock'
import {describe, expect, it} from 'vitest'

import {pollConnection, readyGoal} from '../../src/lib/actions/polling.js'
import {ACCEPTED} from '../../src/lib/api/client.js'
import {BadAnswerError, PlatformApiError} from '../../src/lib/api/errors.js'
import {retryDelayMs} from '../../src/lib/api/retry.js'
import {adviceFor} from '../../src/lib/ui/advice.js'
import {API, space, testContext, tunnel, vpnConnection} from '../support/fixtures.js'

const CONNECTION = '/spaces/acme-space/vpn-connections/office'
const HTML = {'Content-Type': 'text/html'}
const PAGE = `<!DOCTYPE html>\n<html><body>${'<p>Sign in to continue</p>'.repeat(120)}</body></html>`

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a failure')
    },
    (error: unknown) => error as Error,
  )
}

describe('every success is checked against what the endpoint answers', () => {
  it.each([
    [
      'an HTML page',
      PAGE,
      HTML,
      `it is not JSON (text/html, ${PAGE.length.toLocaleString('en-US')} bytes, first line "<!DOCTYPE html>")`,
    ],
    [
      'truncated JSON',
      '{"name": "off',
      {},
      String.raw`it is not JSON (no content type, 13 bytes, first line "{\"name\": \"off")`,
    ],
    ['null', 'null', {}, 'it is null'],
    ['a number', '42', {}, 'it is a number'],
    ['a list', '[]', {}, 'it is a list'],
    ['an empty body', '', {}, 'it is empty'],
    ['tunnels: {}', {tunnels: {}}, {}, 'tunnels is an object, not a list of tunnels'],
    ['tunnels: [null]', {tunnels: [null]}, {}, 'tunnels[0] is null, not a tunnel (an object)'],
    ['a tunnel without a string ip', {tunnels: [tunnel(), {ip: 7}]}, {}, 'tunnels[1].ip is a number, not a string'],
    [
      'routable_cidrs: "..."',
      {routable_cidrs: '172.16.0.0/16'},
      {},
      'routable_cidrs is a string, not a list of strings',
    ],
    ['routable_cidrs: [null]', {routable_cidrs: [null]}, {}, 'routable_cidrs[0] is null, not a string'],
    ['ike_version: "1"', {ike_version: '1'}, {}, 'ike_version is a string, not a number'],
    ['status: true', {status: true}, {}, 'status is true, not a string'],
  ])('GET of a connection answered with %s', async (_case, body, headers, problem) => {
    const context = testContext()
    nock(API)
      .get(CONNECTION)
      .reply(200, body as nock.Body, headers)
    const error = await failure(context.api.getVpnConnection('acme-space', 'office'))
    expect(error).toBeInstanceOf(BadAnswerError)
    expect(error.message).toBe(
      `The answer to GET ${CONNECTION} (HTTP 200) is not a VPN connection (an object): ${problem}.`,
    )
    expect(error.message).not.toContain('Sign in')
    expect((error as BadAnswerError).exitCode).toBe(1)
    expect(context.sleeps).toEqual([])
  })

  it('takes absent and null fields, and fields it does not know, as the API may send them', async () => {
    const context = testContext()
    const sparseTunnel = {ip: '34.203.187.158', status: 'UP' as const}
    const answer = {...vpnConnection({tunnels: [sparseTunnel]}), status_message: null, x: {}}
    nock(API).get(CONNECTION).reply(200, answer)
    await expect(context.api.getVpnConnection('acme-space', 'office')).resolves.toEqual(answer)
  })

  it.each([
    ['{}', {}, 'it is an object'],
    [
      'a connection whose tunnels are a string',
      [vpnConnection(), {tunnels: 'UP'}],
      '[1].tunnels is a string, not a list of tunnels',
    ],
  ])('the list of connections answered with %s', async (_case, body, problem) => {
    const context = testContext()
    nock(API).get('/spaces/acme-space/vpn-connections').reply(200, body)
    await expect(context.api.listVpnConnections('acme-space')).rejects.toThrow(
      `The answer to GET /spaces/acme-space/vpn-connections (HTTP 200) is not a list of VPN connections: ${problem}.`,
    )
  })

  it.each([
    ['"acme-space"', 'it is a string'],
    [{generation: 2}, 'generation is a number, not a string or an object'],
    [{generation: {name: 7}}, 'generation.name is a number, not a string'],
    [{shield: 'no'}, 'shield is a string, not true or false'],
  ])('the space answered with %j', async (body, problem) => {
    const context = testContext()
    nock(API)
      .get('/spaces/acme-space')
      .reply(200, body as nock.Body)
    await expect(context.api.getSpace('acme-space')).rejects.toThrow(
      `The answer to GET /spaces/acme-space (HTTP 200) is not a space (an object): ${problem}.`,
    )
  })

  it('takes a generation given as a name or as an object', async () => {
    const context = testContext()
    nock(API)
      .get('/spaces/acme-space')
      .reply(200, space({generation: 'fir'}))
      .get('/spaces/acme-space')
      .reply(200, space({generation: {id: 'g', name: 'cedar'}}))
    await expect(context.api.getSpace('acme-space')).resolves.toMatchObject({generation: 'fir'})
    await expect(context.api.getSpace('acme-space')).resolves.toMatchObject({generation: {name: 'cedar'}})
  })
})

describe('what a change may answer', () => {
  const create = {name: 'office', public_ip: '52.91.173.226', routable_cidrs: ['172.16.0.0/16']}

  it.each([
    ['POST', 201],
    ['POST', 202],
    ['PATCH', 200],
    ['DELETE', 202],
    ['DELETE', 204],
  ] as const)('%s answered %i without a body is accepted', async (method, status) => {
    const context = testContext()
    const path = method === 'POST' ? '/spaces/acme-space/vpn-connections' : CONNECTION
    nock(API).intercept(path, method).reply(status)
    const answer =
      method === 'POST'
        ? context.api.createVpnConnection('acme-space', create)
        : method === 'PATCH'
          ? context.api.updateVpnConnection('acme-space', 'office', {routable_cidrs: ['172.16.0.0/16']})
          : context.api.deleteVpnConnection('acme-space', 'office')
    await expect(answer).resolves.toBe(ACCEPTED)
  })

  it('a change answered with a page is a bad answer whose advice says it may have been made', async () => {
    const context = testContext()
    nock(API).delete(CONNECTION).reply(200, PAGE, HTML)
    const error = await failure(context.api.deleteVpnConnection('acme-space', 'office'))
    expect(error).toBeInstanceOf(BadAnswerError)
    expect(adviceFor(error as BadAnswerError).join('\n')).toContain(
      'The DELETE may have been carried out all the same: check with `heroku spaces:vpn:info office --space acme-space`.',
    )
  })
})

describe('error bodies that are not the API’s JSON', () => {
  it('are summarised, once per retry line, never printed whole', async () => {
    const context = testContext()
    nock(API)
      .get(CONNECTION)
      .times(3)
      .reply(502, PAGE, {...HTML, 'Request-Id': 'r-1'})
    const error = await failure(context.api.getVpnConnection('acme-space', 'office'))
    const summary = `an answer that is not the API's JSON (text/html, ${PAGE.length.toLocaleString('en-US')} bytes, first line "<!DOCTYPE html>")`
    expect(error.message).toBe(`The Heroku API failed with HTTP 502: ${summary} [request id r-1]`)
    const lines = context.stderr().trim().split('\n')
    expect(lines).toHaveLength(2)
    for (const line of lines) expect(line.split(summary)).toHaveLength(2)
    expect(context.stderr()).not.toContain('Sign in')
  })

  it('keep the API’s own message when there is one', async () => {
    const context = testContext()
    nock(API).get(CONNECTION).reply(422, {id: 'invalid_params', message: 'Bad name.'})
    await expect(context.api.getVpnConnection('acme-space', 'office')).rejects.toThrow(/^Bad name\.$/)
  })
})

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
      pollConnection(
        {name: 'office', space: 'acme'},
        {intervalMs: 10_000, timeoutMs: 3000},
        readyGoal({name: 'office', space: 'acme'}, false),
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
