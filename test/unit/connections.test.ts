import nock from 'nock'
import {describe, expect, it} from 'vitest'

import {runConnections} from '../../src/lib/actions/connections.js'
import {API, pendingConnection, testContext, tunnel, vpnConnection} from '../support/fixtures.js'

describe('connections', () => {
  it('lists each connection with its status and tunnel states', async () => {
    const context = testContext()
    nock(API)
      .get('/spaces/acme-space/vpn-connections')
      .reply(200, [
        vpnConnection({tunnels: [tunnel(), tunnel({status: 'DOWN'})]}),
        pendingConnection({id: 'b2', name: 'lab', routable_cidrs: ['192.168.0.0/24', '192.168.1.0/24']}),
      ])
    await runConnections({json: false, space: 'acme-space'}, context)
    expect(context.stdout()).toBe(`=== acme-space VPN connections

Name    ID                                    Public IP      Routable CIDRs                  Status   Tunnels
──────  ────────────────────────────────────  ─────────────  ──────────────────────────────  ───────  ───────
office  5e1f0ba2-3c4d-4e5f-8a9b-0c1d2e3f4a5b  52.91.173.226  172.16.0.0/16                   active   UP/DOWN
lab     b2                                    52.91.173.226  192.168.0.0/24, 192.168.1.0/24  pending  -
`)
  })

  it('says so when the space has none', async () => {
    const context = testContext()
    nock(API).get('/spaces/acme-space/vpn-connections').reply(200, [])
    await runConnections({json: false, space: 'acme-space'}, context)
    expect(context.stdout()).toBe('Space acme-space has no VPN connections.\n')
  })

  it('prints the array unchanged with --json', async () => {
    const context = testContext()
    nock(API).get('/spaces/acme-space/vpn-connections').reply(200, [])
    await runConnections({json: true, space: 'acme-space'}, context)
    expect(JSON.parse(context.stdout())).toEqual([])
  })
})
