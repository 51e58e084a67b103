import nock from 'nock'
import {describe, expect, it} from 'vitest'

import {pathSegment} from '../../src/lib/api/client.js'
import {parseRetryAfter, PlatformApiError} from '../../src/lib/api/errors.js'
import {NetworkError} from '../../src/lib/api/transport.js'
import {adviceFor} from '../../src/lib/ui/advice.js'
import {API, rejection, socketError, space, testContext, TOKEN, vpnConnection} from '../support/fixtures.js'

const ACCEPT = 'application/vnd.heroku+json; version=3'

describe('the Platform API client', () => {
  it('sends the version 3 Accept header, the bearer token and a user agent', async () => {
    const context = testContext()
    nock(API, {reqheaders: {accept: ACCEPT, authorization: `Bearer ${TOKEN}`, 'user-agent': /heroku-spaces-vpn/}})
      .get('/spaces/acme-space')
      .reply(200, space())
    await expect(context.api.getSpace('acme-space')).resolves.toMatchObject({cidr: '10.0.0.0/16'})
  })

  it.each([
    ['getVpnConnection', 'GET', '/spaces/acme-space/vpn-connections/office'],
    ['deleteVpnConnection', 'DELETE', '/spaces/acme-space/vpn-connections/office'],
  ] as const)('%s uses %s %s', async (method, verb, path) => {
    const context = testContext()
    nock(API).intercept(path, verb).reply(200, vpnConnection())
    await expect(context.api[method]('acme-space', 'office')).resolves.toMatchObject({name: 'office'})
  })

  it('lists, creates and updates with the documented bodies', async () => {
    const context = testContext()
    nock(API)
      .get('/spaces/acme-space/vpn-connections')
      .reply(200, [vpnConnection()])
      .post('/spaces/acme-space/vpn-connections', {
        name: 'office',
        public_ip: '52.91.173.226',
        routable_cidrs: ['172.16.0.0/16'],
      })
      .matchHeader('content-type', 'application/json')
      .reply(201, vpnConnection({status: 'pending'}))
      .patch('/spaces/acme-space/vpn-connections/office', {routable_cidrs: ['192.168.0.0/16']})
      .reply(200, vpnConnection({routable_cidrs: ['192.168.0.0/16']}))
    expect(await context.api.listVpnConnections('acme-space')).toHaveLength(1)
    const created = await context.api.createVpnConnection('acme-space', {
      name: 'office',
      public_ip: '52.91.173.226',
      routable_cidrs: ['172.16.0.0/16'],
    })
    expect(created).toMatchObject({status: 'pending'})
    const updated = await context.api.updateVpnConnection('acme-space', 'office', {routable_cidrs: ['192.168.0.0/16']})
    expect(updated).toMatchObject({routable_cidrs: ['192.168.0.0/16']})
  })

  it.each([
    ['a/b', 'a%2Fb'],
    ['office?x=1', 'office%3Fx%3D1'],
    ['my office', 'my%20office'],
    ['a#b', 'a%23b'],
  ])('keeps the name %j in one path segment (%s)', async (name, encoded) => {
    expect(pathSegment(name)).toBe(encoded)
    const context = testContext()
    nock(API).get(`/spaces/acme%2Fspace/vpn-connections/${encoded}`).reply(200, vpnConnection())
    await context.api.getVpnConnection('acme/space', name)
  })

  it('names the connection and the space when the connection is not found', async () => {
    const context = testContext()
    nock(API)
      .get('/spaces/acme-space/vpn-connections/office')
      .reply(404, {id: 'not_found', message: "Couldn't find that VPN connection."})
    const error = await rejection(context.api.getVpnConnection('acme-space', 'office'))
    expect(error).toBeInstanceOf(PlatformApiError)
    expect((error as PlatformApiError).message).toBe(
      `VPN connection "office" was not found in space "acme-space" (Couldn't find that VPN connection.).`,
    )
    expect(adviceFor(error as PlatformApiError).join(',')).toContain('heroku spaces:vpn:connections --space acme-space')
    expect((error as PlatformApiError).exitCode).toBe(1)
  })

  it('names the space when the space is not found', async () => {
    const context = testContext()
    nock(API).get('/spaces/nowhere').reply(404, {id: 'not_found', message: "Couldn't find that space."})
    await expect(context.api.getSpace('nowhere')).rejects.toThrow(
      `Space "nowhere" was not found (Couldn't find that space.).`,
    )
  })

  it.each([
    [false, 'Run `heroku login`'],
    [true, 'HEROKU_API_KEY is set but not valid'],
  ])('says how to log in on 401 (token from HEROKU_API_KEY: %s)', async (tokenFromEnv, advice) => {
    const context = testContext({tokenFromEnv})
    nock(API).get('/spaces/acme-space').reply(401, {id: 'unauthorized', message: 'Invalid credentials provided.'})
    const error = (await rejection(context.api.getSpace('acme-space'))) as PlatformApiError
    expect(error.message).toBe('Heroku did not accept the credentials (Invalid credentials provided.).')
    expect(adviceFor(error).join(',')).toContain(advice)
    expect(context.sleeps).toEqual([])
  })

  it("passes on the API's own message for other errors", async () => {
    const context = testContext()
    nock(API)
      .patch('/spaces/acme-space/vpn-connections/office')
      .reply(422, {id: 'invalid_params', message: 'Routable CIDRs are invalid.'})
    await expect(
      context.api.updateVpnConnection('acme-space', 'office', {routable_cidrs: ['172.16.0.0/16']}),
    ).rejects.toThrow(/^Routable CIDRs are invalid\.$/)
  })

  it('retries a GET after 503 and a dropped connection, with backoff', async () => {
    const context = testContext()
    nock(API)
      .get('/spaces/acme-space')
      .reply(503, {id: 'unavailable', message: 'Service unavailable'})
      .get('/spaces/acme-space')
      .replyWithError(socketError('ECONNRESET', 'socket hang up'))
      .get('/spaces/acme-space')
      .reply(200, space())
    await expect(context.api.getSpace('acme-space')).resolves.toMatchObject({name: 'acme-space'})
    expect(context.sleeps).toEqual([500, 1000])
    expect(context.stderr()).toContain('The Heroku API failed with HTTP 503: Service unavailable')
  })

  it('honours Retry-After on 429', async () => {
    const context = testContext()
    nock(API)
      .get('/spaces/acme-space/vpn-connections')
      .reply(429, {id: 'rate_limit', message: 'Your account reached the API rate limit'}, {'Retry-After': '3'})
      .get('/spaces/acme-space/vpn-connections')
      .reply(200, [])
    await context.api.listVpnConnections('acme-space')
    expect(context.sleeps).toEqual([3000])
  })

  it('gives up after three attempts and reports the last error', async () => {
    const context = testContext()
    nock(API).get('/spaces/acme-space').times(3).reply(500, {id: 'internal', message: 'boom'}, {'Request-Id': 'req-1'})
    await expect(context.api.getSpace('acme-space')).rejects.toThrow(
      'The Heroku API failed with HTTP 500: boom [request id req-1]',
    )
    expect(context.sleeps).toHaveLength(2)
  })

  it('does not wait out a Retry-After longer than a one-off command should', async () => {
    const context = testContext()
    nock(API).get('/spaces/acme-space').reply(429, {id: 'rate_limit', message: 'slow down'}, {'Retry-After': '120'})
    await expect(context.api.getSpace('acme-space')).rejects.toThrow(/limiting the rate/)
    expect(context.sleeps).toEqual([])
  })

  it.each([
    ['createVpnConnection', 'post'],
    ['deleteVpnConnection', 'delete'],
  ] as const)('never repeats %s by itself', async (method, verb) => {
    const context = testContext()
    const path = verb === 'post' ? '/spaces/acme-space/vpn-connections' : '/spaces/acme-space/vpn-connections/office'
    nock(API).intercept(path, verb.toUpperCase()).reply(503, {id: 'unavailable', message: 'try later'})
    const call =
      method === 'createVpnConnection'
        ? context.api.createVpnConnection('acme-space', {
            name: 'office',
            public_ip: '52.91.173.226',
            routable_cidrs: ['172.16.0.0/16'],
          })
        : context.api.deleteVpnConnection('acme-space', 'office')
    await expect(call).rejects.toThrow(/HTTP 503/)
    expect(context.sleeps).toEqual([])
  })

  it('reports a network failure with the API address', async () => {
    const context = testContext()
    nock(API).get('/spaces/acme-space').times(3).replyWithError(socketError('ECONNREFUSED', 'connect ECONNREFUSED'))
    const error = await rejection(context.api.getSpace('acme-space'))
    expect(error).toBeInstanceOf(NetworkError)
    expect((error as NetworkError).message).toBe(
      'Could not reach the Heroku API at https://api.heroku.com: connect ECONNREFUSED',
    )
  })
})

describe('parseRetryAfter', () => {
  it.each([
    ['5', 5000],
    [' 0 ', 0],
    ['Thu, 01 Jan 2026 00:00:10 GMT', 10_000],
    ['Thu, 01 Jan 2026 00:00:00 GMT', 0],
    ['soon', undefined],
    [undefined, undefined],
  ])('reads %j as %s ms', (header, ms) => {
    expect(parseRetryAfter(header, Date.parse('Thu, 01 Jan 2026 00:00:00 GMT'))).toBe(ms)
  })
})
