import nock from 'nock'
import {describe, expect, it} from 'vitest'

import type {VpnCliError} from '../../src/lib/errors.js'

import {type ConnectOptions, runConnect} from '../../src/lib/actions/connect.js'
import {PlatformApiError} from '../../src/lib/api/errors.js'
import {ExitCode} from '../../src/lib/exit-codes.js'
import {adviceFor} from '../../src/lib/ui/advice.js'
import {API, pendingConnection, rejection, socketError, space, testContext, vpnConnection} from '../support/fixtures.js'

const valid: ConnectOptions = {
  cidrs: '172.16.0.0/16',
  ip: '52.91.173.226',
  json: false,
  name: 'office',
  space: 'acme-space',
}
const createBody = {name: 'office', public_ip: '52.91.173.226', routable_cidrs: ['172.16.0.0/16']}

function spaceReady(overrides = {}) {
  return nock(API)
    .get('/spaces/acme-space')
    .reply(200, space(overrides))
    .get('/spaces/acme-space/vpn-connections')
    .reply(200, [])
}

describe('connect', () => {
  it('creates the connection and points to spaces:vpn:wait', async () => {
    const context = testContext()
    spaceReady().post('/spaces/acme-space/vpn-connections', createBody).reply(201, pendingConnection())
    await runConnect(valid, context)
    expect(context.stdout()).toBe('Created VPN connection office in space acme-space (status: pending).\n')
    expect(context.stderr()).toContain('heroku spaces:vpn:wait office --space acme-space')
  })

  it('prints exactly the created object with --json', async () => {
    const context = testContext()
    spaceReady().post('/spaces/acme-space/vpn-connections', createBody).reply(201, pendingConnection())
    await runConnect({...valid, json: true}, context)
    expect(JSON.parse(context.stdout())).toEqual(pendingConnection())
  })

  it('sends several CIDRs trimmed and in order', async () => {
    const context = testContext()
    spaceReady()
      .post('/spaces/acme-space/vpn-connections', {...createBody, routable_cidrs: ['172.16.0.0/16', '192.168.10.0/24']})
      .reply(201, pendingConnection())
    await runConnect({...valid, cidrs: ' 172.16.0.0/16 , 192.168.10.0/24'}, context)
  })

  it.each([
    ['a private gateway IP', {ip: '192.168.1.1'}, '--ip 192.168.1.1 is in 192.168.0.0/16'],
    ['an IPv6 gateway IP', {ip: '2001:db8::1'}, 'is an IPv6 address'],
    ['CIDRs outside RFC 1918', {cidrs: '8.8.8.0/24'}, 'is not a private network'],
    ['host bits in a CIDR', {cidrs: '172.16.0.1/16'}, 'did you mean 172.16.0.0/16?'],
    ['no CIDRs', {cidrs: ''}, '--cidrs is empty'],
    ['overlapping CIDRs', {cidrs: '172.16.0.0/16,172.16.1.0/24'}, 'overlap'],
    ['a name that cannot be a connection name', {name: 'a/b'}, 'NAME "a/b" is not a valid VPN connection name'],
  ])('refuses %s before sending any request', async (_case, change, words) => {
    const context = testContext()
    const error = await rejection(runConnect({...valid, ...change}, context))
    expect(error).toMatchObject({exitCode: ExitCode.usage})
    expect((error as Error).message).toContain(words)
    expect((error as Error).message).toContain('Nothing was sent to Heroku.')
    expect(context.stdout()).toBe('')
  })

  it.each([
    [
      'overlaps the space CIDR',
      {},
      '10.0.0.0/16,172.16.0.0/16',
      '"10.0.0.0/16" overlaps 10.0.0.0/16, the network of space acme-space',
    ],
    ['overlaps the reported space CIDR', {cidr: '10.20.0.0/16'}, '10.20.0.0/24', 'overlaps 10.20.0.0/16'],
    ['overlaps 172.17.0.0/16', {}, '172.17.0.0/16', 'which every Private Space uses'],
  ])(
    'refuses CIDRs that %s, after reading the space, creating nothing',
    async (_case, spaceOverrides, cidrs, words) => {
      const context = testContext()
      spaceReady(spaceOverrides)
      const error = await rejection(runConnect({...valid, cidrs}, context))
      expect(error).toMatchObject({exitCode: ExitCode.usage})
      expect((error as Error).message).toContain(words)
      expect((error as Error).message).toContain('Nothing was created.')
    },
  )

  it('warns about the data services block on stderr and goes on', async () => {
    const context = testContext()
    spaceReady()
      .post('/spaces/acme-space/vpn-connections', {...createBody, routable_cidrs: ['10.1.0.0/24']})
      .reply(201, pendingConnection())
    await runConnect({...valid, cidrs: '10.1.0.0/24'}, context)
    expect(context.stderr()).toMatch(/Warning: "10\.1\.0\.0\/24" overlaps 10\.1\.0\.0\/16, the data services block/)
    expect(context.stdout()).not.toContain('Warning')
  })

  it.each([
    [
      'does not exist',
      () => nock(API).get('/spaces/acme-space').reply(404, {id: 'not_found', message: "Couldn't find that space."}),
      'Space "acme-space" was not found, or you have no access to it',
    ],
    [
      'is Fir-generation (string)',
      () =>
        nock(API)
          .get('/spaces/acme-space')
          .reply(200, space({generation: 'fir'})),
      'Fir-generation',
    ],
    [
      'is Fir-generation (object)',
      () =>
        nock(API)
          .get('/spaces/acme-space')
          .reply(200, space({generation: {id: 'x', name: 'fir'}})),
      'Fir-generation',
    ],
    [
      'is still allocating',
      () =>
        nock(API)
          .get('/spaces/acme-space')
          .reply(200, space({state: 'allocating'})),
      'is allocating, not allocated',
    ],
    [
      'already has a connection',
      () =>
        nock(API)
          .get('/spaces/acme-space')
          .reply(200, space())
          .get('/spaces/acme-space/vpn-connections')
          .reply(200, [vpnConnection({name: 'datacenter'})]),
      'already has VPN connection "datacenter" (active): only one VPN connection per space',
    ],
  ])('refuses a space that %s, creating nothing', async (_case, stub, words) => {
    const context = testContext()
    stub()
    const error = await rejection(runConnect(valid, context))
    expect(error).toMatchObject({exitCode: ExitCode.usage})
    expect((error as Error).message).toContain(words)
    expect((error as Error).message).toContain('Nothing was created.')
  })

  it('with --if-not-exists, reports a failed connection of that name as failed (exit 1), advising to replace it', async () => {
    const context = testContext()
    nock(API)
      .get('/spaces/acme-space')
      .reply(200, space())
      .get('/spaces/acme-space/vpn-connections')
      .reply(200, [vpnConnection({status: 'failed', status_message: 'Rejected.', tunnels: []})])
    const error = (await rejection(runConnect({...valid, ifNotExists: true}, context))) as undefined | VpnCliError
    expect(error).toMatchObject({
      exitCode: ExitCode.failed,
      message: 'VPN connection office in space acme-space failed: Rejected. Nothing was created.',
    })
    expect(error?.advice).toEqual([
      'Destroy it with `heroku spaces:vpn:destroy office --space acme-space --confirm office --wait` and connect again once the cause is fixed.',
    ])
    expect(context.stdout()).toBe('')
  })

  describe('with --if-not-exists, after a create refused with 422 (another run may have just made it)', () => {
    const alreadyHas = {id: 'invalid_params', message: 'Space acme-space already has the VPN connection office.'}
    const refusedThenListed = (listed: unknown[]) =>
      spaceReady()
        .post('/spaces/acme-space/vpn-connections', createBody)
        .reply(422, alreadyHas)
        .get('/spaces/acme-space/vpn-connections')
        .reply(200, listed)

    it('succeeds when the space now has the same connection', async () => {
      const context = testContext()
      refusedThenListed([vpnConnection({status: 'pending', tunnels: []})])
      await runConnect({...valid, ifNotExists: true}, context)
      expect(context.stdout()).toContain('VPN connection office already existed in space acme-space')
      expect(context.stderr()).toContain('looking again, as another run may have just created this connection')
    })

    it.each([
      [
        'the same name with other CIDRs',
        [vpnConnection({routable_cidrs: ['192.168.0.0/24']})],
        ExitCode.usage,
        'differ',
      ],
      ['a connection that failed', [vpnConnection({status: 'failed'})], ExitCode.failed, 'failed'],
      ['nothing: the refusal stands', [], ExitCode.failed, alreadyHas.message],
    ])('reports %s as it would have before creating', async (_case, listed, exitCode, words) => {
      const context = testContext()
      refusedThenListed(listed)
      const error = await rejection(runConnect({...valid, ifNotExists: true}, context))
      expect(error).toMatchObject({exitCode, message: expect.stringContaining(words)})
    })
  })

  it('passes on an API refusal with exit code 1', async () => {
    const context = testContext()
    spaceReady()
      .post('/spaces/acme-space/vpn-connections')
      .reply(422, {id: 'invalid_params', message: 'Public IP is already in use.'})
    await expect(runConnect(valid, context)).rejects.toMatchObject({
      exitCode: ExitCode.failed,
      message: 'Public IP is already in use.',
    })
  })

  it('after a lost answer, finds the created connection instead of creating it again', async () => {
    const context = testContext()
    spaceReady()
      .post('/spaces/acme-space/vpn-connections')
      .replyWithError(socketError('ECONNRESET', 'socket hang up'))
      .get('/spaces/acme-space/vpn-connections/office')
      .reply(200, pendingConnection())
    await runConnect(valid, context)
    expect(context.stdout()).toContain('Created VPN connection office')
    expect(context.stderr()).toContain('Checking whether the create went through before sending it again.')
  })

  it('after a 503, sends the create again only once it has checked that nothing was created', async () => {
    const context = testContext()
    spaceReady()
      .post('/spaces/acme-space/vpn-connections')
      .reply(503, {id: 'unavailable', message: 'busy'})
      .get('/spaces/acme-space/vpn-connections/office')
      .reply(404, {id: 'not_found', message: 'not found'})
      .post('/spaces/acme-space/vpn-connections', createBody)
      .reply(201, pendingConnection())
    await runConnect(valid, context)
    expect(context.sleeps).toEqual([500])
  })

  it('after a 429, waits as told and sends again without a check', async () => {
    const context = testContext()
    spaceReady()
      .post('/spaces/acme-space/vpn-connections')
      .reply(429, {id: 'rate_limit', message: 'slow down'}, {'Retry-After': '2'})
      .post('/spaces/acme-space/vpn-connections', createBody)
      .reply(201, pendingConnection())
    await runConnect(valid, context)
    expect(context.sleeps).toEqual([2000])
  })

  it('fails at once on a 429 whose Retry-After is longer than the cap, instead of sleeping for it', async () => {
    const context = testContext()
    spaceReady()
      .post('/spaces/acme-space/vpn-connections')
      .reply(429, {id: 'rate_limit', message: 'slow down'}, {'Retry-After': '7200'})
    const error = (await rejection(runConnect(valid, context))) as PlatformApiError
    expect(error.exitCode).toBe(ExitCode.failed)
    expect(adviceFor(error)).toEqual(['Try again in 7200 s.'])
    expect(context.sleeps).toEqual([])
  })

  it('gives up after three creates that all failed, with exit code 1', async () => {
    const context = testContext()
    spaceReady()
      .post('/spaces/acme-space/vpn-connections')
      .times(3)
      .reply(503, {id: 'unavailable', message: 'busy'})
      .get('/spaces/acme-space/vpn-connections/office')
      .times(2)
      .reply(404, {id: 'not_found', message: 'not found'})
    await expect(runConnect(valid, context)).rejects.toMatchObject({exitCode: ExitCode.failed})
  })
})
