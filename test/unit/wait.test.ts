import nock from 'nock'
import {describe, expect, it} from 'vitest'

import {runWait} from '../../src/lib/actions/wait.js'
import {ExitCode} from '../../src/lib/exit-codes.js'
import {
  API,
  pendingConnection,
  rejection,
  socketError,
  testContext,
  tunnel,
  vpnConnection,
} from '../support/fixtures.js'

const CONNECTION_PATH = '/spaces/acme-space/vpn-connections/office'
const options = {
  intervalMs: 10_000,
  json: false,
  name: 'office',
  space: 'acme-space',
  timeoutMs: 60_000,
  tunnelsUp: false,
}

describe('spaces:vpn:wait', () => {
  it('prints what info prints, from the last poll, with one line of progress per change on stderr', async () => {
    const context = testContext()
    nock(API)
      .get(CONNECTION_PATH)
      .reply(200, pendingConnection())
      .get(CONNECTION_PATH)
      .reply(200, pendingConnection())
      .get(CONNECTION_PATH)
      .reply(200, pendingConnection({status: 'provisioning'}))
      .get(CONNECTION_PATH)
      .reply(200, vpnConnection())
    await runWait(options, context)
    expect(context.stdout()).toContain('=== acme-space VPN connection office')
    expect(context.stdout()).toContain('Tunnel 2    52.91.173.226     34.227.70.143')
    expect(context.stderr()).toBe(
      [
        'Waiting until VPN connection office in space acme-space is active...',
        'pending (0s)',
        'provisioning (20s)',
        'active, tunnels UP/UP (30s)',
        'Ready after 30s: active, tunnels UP/UP.',
        '',
      ].join('\n'),
    )
  })

  it('prints only the JSON document on stdout with --json, also when already active', async () => {
    const context = testContext()
    nock(API).get(CONNECTION_PATH).reply(200, vpnConnection())
    await runWait({...options, json: true}, context)
    expect(JSON.parse(context.stdout())).toEqual(vpnConnection())
  })

  it('warns about transient trouble on stderr and keeps waiting', async () => {
    const context = testContext()
    nock(API)
      .get(CONNECTION_PATH)
      .reply(503, {id: 'unavailable', message: 'Service Unavailable'})
      .get(CONNECTION_PATH)
      .replyWithError(socketError('ECONNRESET', 'socket hang up'))
      .get(CONNECTION_PATH)
      .reply(429, {id: 'rate_limit', message: 'Too many requests'}, {'Retry-After': '4'})
      .get(CONNECTION_PATH)
      .reply(200, vpnConnection())
    await runWait(options, context)
    expect(context.sleeps).toEqual([1000, 2000, 4000])
    expect(context.stderr()).toContain(
      'Warning: The Heroku API failed with HTTP 503: Service Unavailable; trying again in 1s.',
    )
    expect(context.stderr()).toContain(
      'Warning: Could not reach the Heroku API at https://api.heroku.com: socket hang up; trying again in 2s.',
    )
    expect(context.stderr()).toContain('trying again in 4s')
  })

  it('with --tunnels-up waits for every tunnel to come UP', async () => {
    const context = testContext()
    nock(API)
      .get(CONNECTION_PATH)
      .reply(200, vpnConnection({tunnels: [tunnel({status: 'DOWN'}), tunnel({status: 'DOWN'})]}))
      .get(CONNECTION_PATH)
      .reply(200, vpnConnection())
    await runWait({...options, tunnelsUp: true}, context)
    expect(context.stderr()).toContain('is active with every tunnel UP...')
    expect(context.stderr()).toContain('active, tunnels DOWN/DOWN (0s)')
  })

  it('ends with exit code 124 at the deadline', async () => {
    const context = testContext()
    nock(API)
      .get(CONNECTION_PATH)
      .times(2)
      .reply(200, pendingConnection({status: 'provisioning'}))
    const error = await rejection(runWait({...options, timeoutMs: 15_000}, context))
    expect(error).toMatchObject({exitCode: ExitCode.timeout})
    expect(context.stdout()).toBe('')
    expect(context.sleeps).toEqual([10_000, 5000])
  })

  it('ends with exit code 1 when the connection failed', async () => {
    const context = testContext()
    nock(API)
      .get(CONNECTION_PATH)
      .reply(200, vpnConnection({status: 'failed', status_message: 'supplied CIDR block already in use', tunnels: []}))
    await expect(runWait(options, context)).rejects.toMatchObject({
      exitCode: ExitCode.failed,
      message: 'VPN connection office in space acme-space failed: supplied CIDR block already in use.',
    })
  })
  it('says once, before polling, that an --interval below the minimum polls at the minimum', async () => {
    const context = testContext()
    nock(API)
      .get(CONNECTION_PATH)
      .times(2)
      .reply(200, pendingConnection())
      .get(CONNECTION_PATH)
      .reply(200, vpnConnection())
    await runWait({...options, intervalMs: 1000, intervalWarning: 'polling every 1 s'}, context)
    expect(context.stderr().split('\n')[0]).toBe('Warning: polling every 1 s')
    expect(context.stderr().match(/polling every 1 s/g)).toHaveLength(1)
    expect(context.sleeps).toEqual([1000, 1000])
  })
})
