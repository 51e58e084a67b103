import nock from 'nock'
import {describe, expect, it} from 'vitest'

import {destroyConnection} from '../../src/lib/actions/destroy.js'
import {updateConnection} from '../../src/lib/actions/update.js'
import {ExitCode} from '../../src/lib/exit-codes.js'
import {API, space, testContext, vpnConnection} from '../support/fixtures.js'

const CONNECTION_PATH = '/spaces/acme-space/vpn-connections/office'

describe('update', () => {
  const options = {cidrs: '172.16.0.0/16,192.168.20.0/24', json: false, name: 'office', space: 'acme-space'}

  it('replaces the routable CIDRs', async () => {
    const context = testContext()
    nock(API)
      .get('/spaces/acme-space')
      .reply(200, space())
      .patch(CONNECTION_PATH, {routable_cidrs: ['172.16.0.0/16', '192.168.20.0/24']})
      .reply(200, vpnConnection({routable_cidrs: ['172.16.0.0/16', '192.168.20.0/24']}))
    await updateConnection(options, context)
    expect(context.stdout()).toBe(
      'Updated VPN connection office in space acme-space: its routable CIDRs are now 172.16.0.0/16, 192.168.20.0/24.\n',
    )
  })

  it('prints the updated object with --json', async () => {
    const context = testContext()
    nock(API).get('/spaces/acme-space').reply(200, space()).patch(CONNECTION_PATH).reply(200, vpnConnection())
    await updateConnection({...options, json: true}, context)
    expect(JSON.parse(context.stdout())).toEqual(vpnConnection())
  })

  it.each([
    ['8.8.8.0/24', 'is not a private network', 'Nothing was sent to Heroku.'],
    ['172.16.0.0/16,,10.2.0.0/16', 'has an empty item', 'Nothing was sent to Heroku.'],
  ])('refuses %j before any request', async (cidrs, words, outcome) => {
    const context = testContext()
    const error = await updateConnection({...options, cidrs}, context).catch((error_: unknown) => error_)
    expect(error).toMatchObject({exitCode: ExitCode.usage})
    expect((error as Error).message).toContain(words)
    expect((error as Error).message).toContain(outcome)
  })

  it("refuses CIDRs that overlap the space's network, changing nothing", async () => {
    const context = testContext()
    nock(API).get('/spaces/acme-space').reply(200, space({cidr: '10.30.0.0/16'}))
    const error = await updateConnection({...options, cidrs: '10.30.1.0/24'}, context).catch((error_: unknown) => error_)
    expect(error).toMatchObject({exitCode: ExitCode.usage, message: expect.stringContaining('Nothing was changed.')})
  })

  it('reports a connection that does not exist with exit code 1', async () => {
    const context = testContext()
    nock(API).get('/spaces/acme-space').reply(200, space()).patch(CONNECTION_PATH).reply(404, {id: 'not_found', message: 'gone'})
    await expect(updateConnection(options, context)).rejects.toMatchObject({
      exitCode: ExitCode.failed,
      message: 'VPN connection "office" was not found in space "acme-space" (gone).',
    })
  })
})

describe('destroy', () => {
  const options = {json: false, name: 'office', space: 'acme-space'}

  it('destroys with a matching --confirm', async () => {
    const context = testContext()
    nock(API).delete(CONNECTION_PATH).reply(202, vpnConnection({status: 'deprovisioning'}))
    await destroyConnection({...options, confirm: 'office'}, context)
    expect(context.stdout()).toBe('Destroying VPN connection office in space acme-space: its tunnels are being torn down.\n')
  })

  it('prints the destroyed object with --json', async () => {
    const context = testContext()
    nock(API).delete(CONNECTION_PATH).reply(202, vpnConnection({status: 'deprovisioning'}))
    await destroyConnection({...options, confirm: 'office', json: true}, context)
    expect(JSON.parse(context.stdout())).toMatchObject({status: 'deprovisioning'})
  })

  it.each([
    ['with a --confirm for another name', {confirm: 'offices'}, {}, '--confirm "offices" does not match the connection name "office"'],
    ['off a terminal without --confirm', {}, {tty: false}, 'there is no terminal to ask at: pass --confirm office'],
    ['at a terminal when the typed name differs', {}, {stdinText: 'ofice\n', tty: true}, '"ofice" does not match the connection name "office"'],
    ['at a terminal when nothing is typed', {}, {stdinText: '', tty: true}, '"" does not match'],
  ])('refuses %s, with exit code 2, deleting nothing', async (_case, change, terminal, words) => {
    const context = testContext(terminal)
    const error = await destroyConnection({...options, ...change}, context).catch((error_: unknown) => error_)
    expect(error).toMatchObject({exitCode: ExitCode.usage})
    expect((error as Error).message).toContain(words)
    expect((error as Error).message).toContain('Nothing was destroyed.')
  })

  it('asks at a terminal and destroys when the name is typed', async () => {
    const context = testContext({stdinText: 'office\n', tty: true})
    nock(API).delete(CONNECTION_PATH).reply(202, vpnConnection({status: 'deprovisioning'}))
    await destroyConnection(options, context)
    expect(context.stderr()).toContain('To proceed, type office: ')
    expect(context.stderr()).toContain('both tunnels go down')
  })
})
