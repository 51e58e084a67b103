import nock from 'nock'
import {describe, expect, it} from 'vitest'

import {runConfig} from '../../src/lib/actions/config.js'
import {runConnections} from '../../src/lib/actions/connections.js'
import {runInfo} from '../../src/lib/actions/info.js'
import {ExitCode} from '../../src/lib/exit-codes.js'
import {API, pendingConnection, testContext, tunnel, vpnConnection} from '../support/fixtures.js'

const target = {name: 'office', space: 'acme-space'}
const CONNECTION_PATH = '/spaces/acme-space/vpn-connections/office'

describe('info', () => {
  it("prints the connection, the article's tunnel table and the tunnel states, without keys", async () => {
    const context = testContext()
    nock(API)
      .get(CONNECTION_PATH)
      .reply(
        200,
        vpnConnection({
          tunnels: [tunnel(), tunnel({ip: '34.227.70.143', status: 'DOWN', status_message: 'IPSEC IS DOWN'})],
        }),
      )
    await runInfo({...target, json: false}, context)
    expect(context.stdout()).toBe(`=== acme-space VPN connection office

Name:           office
ID:             5e1f0ba2-3c4d-4e5f-8a9b-0c1d2e3f4a5b
Public IP:      52.91.173.226
Routable CIDRs: 172.16.0.0/16
Status:         active

VPN Tunnel  Customer Gateway  VPN Gateway     Routable Subnets  IKE Version
──────────  ────────────────  ──────────────  ────────────────  ───────────
Tunnel 1    52.91.173.226     34.203.187.158  10.0.0.0/16       1
Tunnel 2    52.91.173.226     34.227.70.143   10.0.0.0/16       1

Tunnel    Status  Since                 Message
────────  ──────  ────────────────────  ─────────────
Tunnel 1  UP      2026-11-24T10:02:13Z
Tunnel 2  DOWN    2026-11-24T10:02:13Z  IPSEC IS DOWN

Pre-shared keys are not shown here: run \`heroku spaces:vpn:config office --space acme-space\`, or add --json.
`)
    expect(context.stdout()).not.toContain('abcdef12345')
    expect(context.stderr()).toBe('')
  })

  it.each([
    ['pending', 'heroku spaces:vpn:wait office --space acme-space'],
    // a plain wait returns at once for an active connection
    ['active', 'heroku spaces:vpn:wait office --space acme-space --tunnels-up'],
  ] as const)('says a %s connection has no tunnels yet, and the wait that waits for them', async (status, wait) => {
    const context = testContext()
    nock(API)
      .get(CONNECTION_PATH)
      .reply(200, pendingConnection({status, status_message: 'Waiting for the gateway'}))
    await runInfo({...target, json: false}, context)
    expect(context.stdout()).toContain('Status Message: Waiting for the gateway')
    expect(context.stdout()).toContain(`No tunnels yet (status ${status}): run \`${wait}\` to wait for them.`)
  })

  it("prints the Platform API's object unchanged with --json, keys included", async () => {
    const context = testContext()
    const body = {...vpnConnection(), future_field: {kept: true}}
    nock(API).get(CONNECTION_PATH).reply(200, body)
    await runInfo({...target, json: true}, context)
    expect(JSON.parse(context.stdout())).toEqual(body)
    expect(context.stdout()).toContain('abcdef12345')
  })

  it('colours statuses only when stdout is a terminal', async () => {
    const tty = testContext({env: {CI: undefined}, tty: true})
    nock(API).get(CONNECTION_PATH).reply(200, vpnConnection())
    await runInfo({...target, json: false}, tty)
    expect(tty.stdout()).toContain('\u001B[')

    const noColor = testContext({env: {NO_COLOR: '1'}, tty: true})
    nock(API).get(CONNECTION_PATH).reply(200, vpnConnection())
    await runInfo({...target, json: false}, noColor)
    expect(noColor.stdout()).not.toContain('\u001B[')
  })

  it('quotes names in suggested commands when the shell needs it', async () => {
    const context = testContext()
    nock(API)
      .get('/spaces/acme-space/vpn-connections/my%20office')
      .reply(200, pendingConnection({name: 'my office'}))
    await runInfo({json: false, name: 'my office', space: 'acme-space'}, context)
    expect(context.stdout()).toContain("heroku spaces:vpn:wait 'my office' --space acme-space")
  })
})

describe('config', () => {
  it('prints the tunnel table with the pre-shared keys', async () => {
    const context = testContext()
    nock(API).get(CONNECTION_PATH).reply(200, vpnConnection())
    await runConfig({...target, format: 'table'}, context)
    expect(context.stdout()).toBe(`=== acme-space VPN connection office: tunnel configuration

VPN Tunnel  Customer Gateway  VPN Gateway     Pre-shared Key  Routable Subnets  IKE Version
──────────  ────────────────  ──────────────  ──────────────  ────────────────  ───────────
Tunnel 1    52.91.173.226     34.203.187.158  abcdef12345     10.0.0.0/16       1
Tunnel 2    52.91.173.226     34.227.70.143   123456abcdef    10.0.0.0/16       1
`)
  })

  it('says to wait when the connection has no tunnels yet, with exit code 1', async () => {
    const context = testContext()
    nock(API)
      .get(CONNECTION_PATH)
      .reply(200, pendingConnection({status: 'provisioning'}))
    const error = await runConfig({...target, format: 'table'}, context).catch((error_: unknown) => error_)
    expect(error).toMatchObject({
      exitCode: ExitCode.failed,
      message: expect.stringContaining('is not ready (status: provisioning)'),
    })
    expect((error as {suggestions: string[]}).suggestions.join(',')).toContain(
      'heroku spaces:vpn:wait office --space acme-space',
    )
  })

  it('prints the table of a failed connection, keys included, with a warning on stderr saying how to replace it', async () => {
    const context = testContext()
    nock(API)
      .get(CONNECTION_PATH)
      .reply(200, vpnConnection({status: 'failed', status_message: 'rejected'}))
    await runConfig({...target, format: 'table'}, context)
    expect(context.stdout()).toContain('Tunnel 1    52.91.173.226     34.203.187.158  abcdef12345')
    expect(context.stderr()).toBe(
      'Warning: VPN connection office in space acme-space failed: rejected. Its tunnels will not come up. Destroy it with `heroku spaces:vpn:destroy office --space acme-space --confirm office --wait` and connect again once the cause is fixed.\n',
    )
  })

  it('refuses a failed connection without tunnels, having no table to show (exit code 1)', async () => {
    const context = testContext()
    nock(API)
      .get(CONNECTION_PATH)
      .reply(200, pendingConnection({status: 'failed'}))
    await expect(runConfig({...target, format: 'table'}, context)).rejects.toMatchObject({
      exitCode: ExitCode.failed,
      message: 'VPN connection office in space acme-space failed, so it has no tunnels to configure.',
    })
    expect(context.stdout()).toBe('')
  })

  it('prints the object unchanged with the json format, whatever its status', async () => {
    const context = testContext()
    nock(API).get(CONNECTION_PATH).reply(200, pendingConnection())
    await runConfig({...target, format: 'json'}, context)
    expect(JSON.parse(context.stdout())).toEqual(pendingConnection())
  })
})

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

describe('the help example of spaces:vpn:info', () => {
  it('is what info prints for the same connection', async () => {
    const {default: Info} = await import('../../src/commands/spaces/vpn/info.js')
    // As oclif renders it inside the Heroku CLI, where hints name `heroku`.
    const example = String(Info.examples?.[0] ?? '').replaceAll('<%= config.bin %>', 'heroku')
    const context = testContext()
    nock(API).get(CONNECTION_PATH).reply(200, vpnConnection())
    await runInfo({...target, json: false}, context)
    expect(example.slice(example.indexOf('\n') + 1)).toBe(context.stdout().trimEnd())
  })
})
