import nock from 'nock'
import {describe, expect, it} from 'vitest'

import {runUpdate} from '../../src/lib/actions/update.js'
import {ExitCode} from '../../src/lib/exit-codes.js'
import {API, rejection, space, testContext, vpnConnection} from '../support/fixtures.js'

const CONNECTION_PATH = '/spaces/acme-space/vpn-connections/office'

describe('update', () => {
  const options = {cidrs: '172.16.0.0/16,192.168.20.0/24', json: false, name: 'office', space: 'acme-space'}

  it('replaces the routable CIDRs', async () => {
    const context = testContext()
    nock(API)
      .get('/spaces/acme-space')
      .reply(200, space())
      .get(CONNECTION_PATH)
      .reply(200, vpnConnection())
      .patch(CONNECTION_PATH, {routable_cidrs: ['172.16.0.0/16', '192.168.20.0/24']})
      .reply(200, vpnConnection({routable_cidrs: ['172.16.0.0/16', '192.168.20.0/24']}))
    await runUpdate(options, context)
    expect(context.stdout()).toBe(
      'Updated VPN connection office in space acme-space: its routable CIDRs are now 172.16.0.0/16, 192.168.20.0/24.\n',
    )
  })

  it('prints the updated object with --json', async () => {
    const context = testContext()
    nock(API)
      .get('/spaces/acme-space')
      .reply(200, space())
      .get(CONNECTION_PATH)
      .reply(200, vpnConnection())
      .patch(CONNECTION_PATH)
      .reply(200, vpnConnection())
    await runUpdate({...options, json: true}, context)
    expect(JSON.parse(context.stdout())).toEqual(vpnConnection())
  })

  it.each([
    ['8.8.8.0/24', 'is not a private network', 'Nothing was sent to Heroku.'],
    ['172.16.0.0/16,,10.2.0.0/16', 'has an empty item', 'Nothing was sent to Heroku.'],
  ])('refuses %j before any request', async (cidrs, words, outcome) => {
    const context = testContext()
    const error = await rejection(runUpdate({...options, cidrs}, context))
    expect(error).toMatchObject({exitCode: ExitCode.usage})
    expect((error as Error).message).toContain(words)
    expect((error as Error).message).toContain(outcome)
  })

  it("refuses CIDRs that overlap the space's network, changing nothing", async () => {
    const context = testContext()
    nock(API)
      .get('/spaces/acme-space')
      .reply(200, space({cidr: '10.30.0.0/16'}))
    const error = await rejection(runUpdate({...options, cidrs: '10.30.1.0/24'}, context))
    expect(error).toMatchObject({exitCode: ExitCode.usage, message: expect.stringContaining('Nothing was changed.')})
  })

  it('reports a connection that does not exist with exit code 2, sending no PATCH', async () => {
    const context = testContext()
    nock(API)
      .get('/spaces/acme-space')
      .times(2)
      .reply(200, space())
      .get(CONNECTION_PATH)
      .reply(404, {id: 'not_found', message: 'gone'})
    await expect(runUpdate(options, context)).rejects.toMatchObject({
      advice: ["List the space's VPN connections with `heroku spaces:vpn:connections --space acme-space`."],
      exitCode: ExitCode.usage,
      message: 'VPN connection "office" was not found in space "acme-space".',
    })
  })

  it('refuses a connection that is being destroyed, sending no PATCH', async () => {
    const context = testContext()
    nock(API)
      .get('/spaces/acme-space')
      .reply(200, space())
      .get(CONNECTION_PATH)
      .reply(200, vpnConnection({status: 'deprovisioning'}))
    await expect(runUpdate(options, context)).rejects.toMatchObject({
      exitCode: ExitCode.usage,
      message: expect.stringContaining('is being destroyed: its routable CIDRs cannot change. Nothing was changed.'),
    })
  })
})
