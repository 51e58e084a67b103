import {describe, expect, it} from 'vitest'

import {
  CUSTOM_BLOCKS_SPACE,
  DEFAULT_BLOCKS_SPACE,
  FIR_SPACE,
  INSTANT_TIMING,
  SEEDED_CONNECTION,
  SPACE_WITH_CONNECTION,
} from '../../src/sandbox/index.js'
import {fakeClock, OFFICE_BODY, sandboxForTest, type TestSandbox} from './support.js'

const CONNECTIONS = `/spaces/${DEFAULT_BLOCKS_SPACE}/vpn-connections`
const OFFICE = `${CONNECTIONS}/office`
const PRE_SHARED_KEY = /^[\w.]{32}$/

const TEST_NET_2 = /^198\.51\.100\.\d{1,3}$/
const TEST_NET_3 = /^203\.0\.113\.\d{1,3}$/

/** The connection's status and its tunnels' statuses, e.g. `active DOWN DOWN`. */
async function phaseOf(api: TestSandbox['api'], path = OFFICE): Promise<string> {
  const {body} = await api('GET', path)
  return [body.status, ...body.tunnels.map((tunnel: {status: string}) => tunnel.status)].join(' ')
}

describe('creating a connection', () => {
  it('answers 201 with a pending connection that has no tunnels yet, in the space blocks and IKE version', async () => {
    const {api} = await sandboxForTest()
    const created = await api('POST', CONNECTIONS, OFFICE_BODY)
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      ike_version: 1,
      name: 'office',
      public_ip: '52.91.173.226',
      routable_cidrs: ['172.16.0.0/16'],
      space_cidr_block: '10.0.0.0/16',
      status: 'pending',
      status_message: '',
      tunnels: [],
    })
    expect(created.body.id).toEqual(expect.any(String))

    const custom = await api('POST', `/spaces/${CUSTOM_BLOCKS_SPACE}/vpn-connections`, OFFICE_BODY)
    expect(custom.body).toMatchObject({ike_version: 2, space_cidr_block: '10.20.0.0/16'})
    expect(custom.body.id).not.toBe(created.body.id)
    expect((await api('GET', CONNECTIONS)).body).toEqual([created.body])
  })

  it.each([
    ['no body', undefined, 'The request body must be a JSON object.'],
    ['an array', [OFFICE_BODY], 'must be a JSON object'],
    ['no name', {...OFFICE_BODY, name: undefined}, 'name must be a non-empty string.'],
    ['an empty name', {...OFFICE_BODY, name: '  '}, 'name must be a non-empty string.'],
    ['a number for a name', {...OFFICE_BODY, name: 7}, 'name must be a non-empty string.'],
    ['no public_ip', {...OFFICE_BODY, public_ip: undefined}, 'public_ip must be an IPv4 address.'],
    ['a network for public_ip', {...OFFICE_BODY, public_ip: '52.91.173.0/24'}, 'public_ip must be an IPv4 address.'],
    ['an IPv6 public_ip', {...OFFICE_BODY, public_ip: '2001:db8::1'}, 'public_ip must be an IPv4 address.'],
    [
      'no routable_cidrs',
      {...OFFICE_BODY, routable_cidrs: undefined},
      'routable_cidrs must be a non-empty array of strings.',
    ],
    [
      'a string for routable_cidrs',
      {...OFFICE_BODY, routable_cidrs: '172.16.0.0/16'},
      'routable_cidrs must be a non-empty array',
    ],
    ['an empty routable_cidrs', {...OFFICE_BODY, routable_cidrs: []}, 'routable_cidrs must be a non-empty array'],
    [
      'a number among routable_cidrs',
      {...OFFICE_BODY, routable_cidrs: ['172.16.0.0/16', 10]},
      'routable_cidrs must be a non-empty array',
    ],
  ])('refuses %s with 422 invalid_params and creates nothing', async (_case, body, message) => {
    const {api} = await sandboxForTest()
    const reply = await api('POST', CONNECTIONS, body)
    expect(reply.status).toBe(422)
    expect(reply.body.id).toBe('invalid_params')
    expect(reply.body.message).toContain(message)
    expect((await api('GET', CONNECTIONS)).body).toEqual([])
  })

  it('names every problem of a body at once', async () => {
    const {api} = await sandboxForTest()
    const reply = await api('POST', CONNECTIONS, {name: '', public_ip: 'gateway', routable_cidrs: []})
    expect(reply.body.message).toBe(
      'name must be a non-empty string. public_ip must be an IPv4 address. routable_cidrs must be a non-empty array of strings.',
    )
  })

  it('allows one connection per space: a second one, whatever its name, is refused with 422', async () => {
    const {api} = await sandboxForTest()
    const seeded = await api('POST', `/spaces/${SPACE_WITH_CONNECTION}/vpn-connections`, {...OFFICE_BODY, name: 'home'})
    expect(seeded.status).toBe(422)
    expect(seeded.body.id).toBe('invalid_params')
    expect(seeded.body.message).toContain('only one VPN connection is supported per space')

    expect((await api('POST', CONNECTIONS, OFFICE_BODY)).status).toBe(201)
    for (const name of ['office', 'home']) {
      expect((await api('POST', CONNECTIONS, {...OFFICE_BODY, name})).status).toBe(422)
    }

    expect((await api('GET', CONNECTIONS)).body).toHaveLength(1)
  })

  it('refuses a connection in a Fir-generation space', async () => {
    const {api} = await sandboxForTest()
    const reply = await api('POST', `/spaces/${FIR_SPACE}/vpn-connections`, OFFICE_BODY)
    expect(reply.status).toBe(422)
    expect(reply.body.message).toContain('Fir')
    expect((await api('GET', `/spaces/${FIR_SPACE}/vpn-connections`)).body).toEqual([])
  })

  it('answers 404 for a connection in a space that does not exist', async () => {
    const {api} = await sandboxForTest()
    const reply = await api('POST', '/spaces/nowhere/vpn-connections', OFFICE_BODY)
    expect(reply.status).toBe(404)
    expect(reply.body.message).toBe("Couldn't find that space.")
  })
})

describe('the clock', () => {
  it('moves a connection pending, provisioning, active with DOWN tunnels, then UP, on the durations given', async () => {
    const clock = fakeClock()
    const {api} = await sandboxForTest({clock, timing: {pending: 60, provisioning: 240, tunnelsUpAfter: 30}})
    await api('POST', CONNECTIONS, OFFICE_BODY)
    const steps: Array<[number, string]> = [
      [59.999, 'pending'],
      [0.001, 'provisioning'],
      [239.999, 'provisioning'],
      [0.001, 'active DOWN DOWN'],
      [29.999, 'active DOWN DOWN'],
      [0.001, 'active UP UP'],
      [3600, 'active UP UP'],
    ]
    expect(await phaseOf(api)).toBe('pending')
    for (const [seconds, expected] of steps) {
      clock.advance(seconds)
      expect(await phaseOf(api)).toBe(expected)
    }
  })

  it('stamps each tunnel change with its time', async () => {
    const clock = fakeClock(Date.parse('2026-11-24T10:00:00Z'))
    const {api} = await sandboxForTest({clock, timing: {pending: 60, provisioning: 240, tunnelsUpAfter: 30}})
    await api('POST', CONNECTIONS, OFFICE_BODY)
    clock.advance(310)
    const down = (await api('GET', OFFICE)).body.tunnels
    expect(down.map((tunnel: {last_status_change: string}) => tunnel.last_status_change)).toEqual([
      '2026-11-24T10:05:00.000Z',
      '2026-11-24T10:05:00.000Z',
    ])
    clock.advance(30)
    const up = (await api('GET', OFFICE)).body.tunnels
    expect(up.map((tunnel: {last_status_change: string}) => tunnel.last_status_change)).toEqual([
      '2026-11-24T10:05:30.000Z',
      '2026-11-24T10:05:30.000Z',
    ])
  })

  it('takes phases of a fraction of a second', async () => {
    const clock = fakeClock()
    const {api} = await sandboxForTest({clock, timing: {pending: 0.1, provisioning: 0.1, tunnelsUpAfter: 0.1}})
    await api('POST', CONNECTIONS, OFFICE_BODY)
    const phases = []
    for (let step = 0; step < 4; step++) {
      phases.push(await phaseOf(api))
      clock.advance(0.1)
    }

    expect(phases).toEqual(['pending', 'provisioning', 'active DOWN DOWN', 'active UP UP'])
  })

  it('is active with tunnels UP at once with zero durations', async () => {
    const {api} = await sandboxForTest({timing: INSTANT_TIMING})
    const created = await api('POST', CONNECTIONS, OFFICE_BODY)
    expect(created.body.status).toBe('active')
    expect(created.body.tunnels.map((tunnel: {status: string}) => tunnel.status)).toEqual(['UP', 'UP'])
  })

  it('keeps the tunnels DOWN for good when they are set never to come up', async () => {
    const clock = fakeClock()
    const {api} = await sandboxForTest({clock, timing: {pending: 0, provisioning: 0, tunnelsUpAfter: null}})
    await api('POST', CONNECTIONS, OFFICE_BODY)
    clock.advance(7 * 24 * 3600)
    const {body} = await api('GET', OFFICE)
    expect(body.status).toBe('active')
    expect(body.tunnels.map((tunnel: {status: string}) => tunnel.status)).toEqual(['DOWN', 'DOWN'])
  })
})

describe('tunnels', () => {
  it('gives an active connection two tunnels in documentation ranges, towards the customer gateway, with fresh keys', async () => {
    const {api} = await sandboxForTest({timing: INSTANT_TIMING})
    const first = (await api('POST', CONNECTIONS, OFFICE_BODY)).body
    const second = (
      await api('POST', `/spaces/${CUSTOM_BLOCKS_SPACE}/vpn-connections`, {...OFFICE_BODY, public_ip: '34.1.2.3'})
    ).body
    const seeded = (await api('GET', `/spaces/${SPACE_WITH_CONNECTION}/vpn-connections/${SEEDED_CONNECTION}`)).body
    for (const connection of [first, second, seeded]) {
      expect(connection.tunnels).toHaveLength(2)
      expect(connection.tunnels[0].ip).toMatch(TEST_NET_3)
      expect(connection.tunnels[1].ip).toMatch(TEST_NET_2)
      for (const tunnel of connection.tunnels) {
        expect(tunnel.customer_ip).toBe(connection.public_ip)
        expect(tunnel.pre_shared_key).toMatch(PRE_SHARED_KEY)
        expect(tunnel.status_message).toBe('')
        expect(Date.parse(tunnel.last_status_change)).not.toBeNaN()
      }
    }

    const all = [first, second, seeded].flatMap((connection) => connection.tunnels)
    expect(new Set(all.map((tunnel) => tunnel.ip)).size).toBe(6)
    expect(new Set(all.map((tunnel) => tunnel.pre_shared_key)).size).toBe(6)
  })

  it('keeps a connection its keys and IPs from one read to the next, and a recreated one gets new keys', async () => {
    const {api} = await sandboxForTest({timing: INSTANT_TIMING})
    const created = (await api('POST', CONNECTIONS, OFFICE_BODY)).body
    expect((await api('GET', OFFICE)).body.tunnels).toEqual(created.tunnels)
    await api('DELETE', OFFICE)
    const recreated = (await api('POST', CONNECTIONS, OFFICE_BODY)).body
    expect(recreated.tunnels[0].pre_shared_key).not.toBe(created.tunnels[0].pre_shared_key)
    expect(recreated.tunnels[0].ip).not.toBe(created.tunnels[0].ip)
  })

  it('has the seeded office connection active with both tunnels UP', async () => {
    const {api} = await sandboxForTest()
    const {body} = await api('GET', `/spaces/${SPACE_WITH_CONNECTION}/vpn-connections/${SEEDED_CONNECTION}`)
    expect(body).toMatchObject({
      ike_version: 1,
      public_ip: '52.91.173.226',
      routable_cidrs: ['172.16.0.0/16'],
      space_cidr_block: '10.0.0.0/16',
      status: 'active',
    })
    expect(body.tunnels.map((tunnel: {status: string}) => tunnel.status)).toEqual(['UP', 'UP'])
  })
})

describe('updating a connection', () => {
  it('replaces its routable CIDRs and answers 200 with the connection', async () => {
    const {api} = await sandboxForTest()
    const path = `/spaces/${SPACE_WITH_CONNECTION}/vpn-connections/${SEEDED_CONNECTION}`
    const reply = await api('PATCH', path, {routable_cidrs: ['172.16.0.0/16', '192.168.10.0/24']})
    expect(reply.status).toBe(200)
    expect(reply.body).toMatchObject({
      name: SEEDED_CONNECTION,
      routable_cidrs: ['172.16.0.0/16', '192.168.10.0/24'],
      status: 'active',
    })
    expect((await api('GET', path)).body.routable_cidrs).toEqual(['172.16.0.0/16', '192.168.10.0/24'])
  })

  it('refuses routable CIDRs that are not a non-empty array of strings with 422, changing nothing', async () => {
    const {api} = await sandboxForTest()
    const path = `/spaces/${SPACE_WITH_CONNECTION}/vpn-connections/${SEEDED_CONNECTION}`
    for (const body of [{}, {routable_cidrs: []}, {routable_cidrs: '10.9.0.0/16'}, {routable_cidrs: [null]}]) {
      const reply = await api('PATCH', path, body)
      expect(reply.status).toBe(422)
      expect(reply.body.id).toBe('invalid_params')
    }

    expect((await api('GET', path)).body.routable_cidrs).toEqual(['172.16.0.0/16'])
  })
})

describe('deleting a connection', () => {
  it('answers 202 with the connection deprovisioning, and it is gone after the deprovisioning time', async () => {
    const clock = fakeClock()
    const {api} = await sandboxForTest({clock, timing: {deprovisioning: 120}})
    const path = `/spaces/${SPACE_WITH_CONNECTION}/vpn-connections/${SEEDED_CONNECTION}`
    const deleted = await api('DELETE', path)
    expect(deleted.status).toBe(202)
    expect(deleted.body).toMatchObject({name: SEEDED_CONNECTION, status: 'deprovisioning', tunnels: []})

    clock.advance(119.999)
    expect((await api('GET', path)).body.status).toBe('deprovisioning')
    const again = await api('DELETE', path)
    expect(again.status).toBe(202)
    expect((await api('POST', `/spaces/${SPACE_WITH_CONNECTION}/vpn-connections`, OFFICE_BODY)).status).toBe(422)

    clock.advance(0.001)
    const gone = await api('GET', path)
    expect(gone.status).toBe(404)
    expect(gone.body.message).toBe("Couldn't find that VPN connection.")
    expect((await api('GET', `/spaces/${SPACE_WITH_CONNECTION}/vpn-connections`)).body).toEqual([])
    expect((await api('POST', `/spaces/${SPACE_WITH_CONNECTION}/vpn-connections`, OFFICE_BODY)).status).toBe(201)
  })

  it('is gone at once with a zero deprovisioning time, and after a fraction of a second with a short one', async () => {
    const clock = fakeClock()
    const {api} = await sandboxForTest({clock, timing: {deprovisioning: 0}})
    await api('POST', CONNECTIONS, OFFICE_BODY)
    expect((await api('DELETE', OFFICE)).body.status).toBe('deprovisioning')
    expect((await api('GET', OFFICE)).status).toBe(404)

    const {api: slower} = await sandboxForTest({clock, timing: {deprovisioning: 0.05}})
    await slower('POST', CONNECTIONS, OFFICE_BODY)
    await slower('DELETE', OFFICE)
    clock.advance(0.04)
    expect((await slower('GET', OFFICE)).body.status).toBe('deprovisioning')
    clock.advance(0.01)
    expect((await slower('GET', OFFICE)).status).toBe(404)
  })
})
