import nock from 'nock'
import {describe, expect, it} from 'vitest'

import {runInfo} from '../../src/lib/actions/info.js'
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
