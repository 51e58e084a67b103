import {describe, expect, it} from 'vitest'

import type {RequestLogEntry} from '../../src/sandbox/index.js'

import {
  ADMIN_ENDPOINTS,
  DEFAULT_BLOCKS_SPACE,
  DEFAULT_FAILURE_MESSAGE,
  DEMO_TIMING,
  INSTANT_TIMING,
  InvalidControlInput,
  SEEDED_CONNECTION,
  SPACE_SEEDS,
  SPACE_WITH_CONNECTION,
} from '../../src/sandbox/index.js'
import {fakeClock, OFFICE_BODY, sandboxForTest, send} from './support.js'

const CONNECTIONS = `/spaces/${DEFAULT_BLOCKS_SPACE}/vpn-connections`
const OFFICE = `/spaces/${SPACE_WITH_CONNECTION}/vpn-connections/${SEEDED_CONNECTION}`
const tunnelStatuses = (connection: {tunnels: Array<{status: string}>}) =>
  connection.tunnels.map((tunnel) => tunnel.status)

describe('the request log', () => {
  it('records each API request: method, path as sent, status, time, duration, whether it was handled, the fault', async () => {
    const seen: RequestLogEntry[] = []
    const {admin, api, sandbox} = await sandboxForTest({onRequest: (entry) => seen.push(entry)})
    const before = Date.now()
    await api('GET', `/spaces/${DEFAULT_BLOCKS_SPACE}/vpn-connections/a%2Fb?x=1`)
    await send(sandbox.url, 'GET', `/spaces/${DEFAULT_BLOCKS_SPACE}`, {headers: {Accept: 'application/json'}})
    sandbox.control.injectFault({kind: 'error'})
    await api('POST', CONNECTIONS, OFFICE_BODY)

    const {body, status} = await admin('GET', '/requests')
    expect(status).toBe(200)
    expect(
      body.map((entry: RequestLogEntry) => [entry.method, entry.path, entry.status, entry.handled, entry.fault]),
    ).toEqual([
      ['GET', `/spaces/${DEFAULT_BLOCKS_SPACE}/vpn-connections/a%2Fb`, 404, true, null],
      ['GET', `/spaces/${DEFAULT_BLOCKS_SPACE}`, 406, false, null],
      ['POST', CONNECTIONS, 503, false, 'error 503'],
    ])
    for (const entry of body as RequestLogEntry[]) {
      expect(Date.parse(entry.time)).toBeGreaterThanOrEqual(before - 1)
      expect(entry.durationMs).toBeGreaterThanOrEqual(0)
      expect(entry.requestId).toEqual(expect.any(String))
    }

    expect(sandbox.control.requests()).toEqual(body)
    expect(seen).toEqual(body)
  })

  it('leaves admin requests out, and is cleared over HTTP and from code', async () => {
    const {admin, api, sandbox} = await sandboxForTest()
    await api('GET', OFFICE)
    await admin('GET', '')
    await admin('GET', '/faults')
    expect(sandbox.control.requests()).toHaveLength(1)
    const cleared = await admin('DELETE', '/requests')
    expect(cleared.status).toBe(200)
    expect(cleared.body).toEqual([])
    expect(sandbox.control.requests()).toEqual([])
    await api('GET', OFFICE)
    sandbox.control.clearRequests()
    expect((await admin('GET', '/requests')).body).toEqual([])
  })
})

describe('the admin endpoints', () => {
  it('need no API key, answer JSON with the usual headers, and list themselves with the seeds and timing', async () => {
    const {admin} = await sandboxForTest({timing: {pending: 5}})
    const overview = await admin('GET', '')
    expect(overview.status).toBe(200)
    expect(overview.headers['content-type']).toBe('application/json')
    expect(overview.headers['request-id']).toEqual(expect.any(String))
    expect(overview.body.endpoints).toHaveLength(ADMIN_ENDPOINTS.length)
    expect(overview.body.endpoints).toContainEqual(expect.objectContaining({method: 'POST', path: '/__sandbox/faults'}))
    expect(overview.body.spaces.map((space: {name: string}) => space.name)).toEqual(
      SPACE_SEEDS.map((seed) => seed.name),
    )
    expect(overview.body.spaces).toContainEqual(
      expect.objectContaining({connection: SEEDED_CONNECTION, name: SPACE_WITH_CONNECTION}),
    )
    expect(overview.body.timing).toEqual({...DEMO_TIMING, pending: 5})
  })

  it('arm, list and clear faults', async () => {
    const {admin, api} = await sandboxForTest()
    const armed = await admin('POST', '/faults', {kind: 'rate-limit', method: 'GET', retryAfter: 3, times: 2})
    expect(armed.status).toBe(201)
    expect(armed.body).toMatchObject({id: expect.any(String), kind: 'rate-limit', remaining: 2})
    expect((await api('GET', OFFICE)).headers['retry-after']).toBe('3')
    expect((await admin('GET', '/faults')).body).toMatchObject([{id: armed.body.id, remaining: 1}])
    expect((await admin('DELETE', '/faults')).body).toEqual([])
    expect((await api('GET', OFFICE)).status).toBe(200)
  })

  it('refuse a bad fault, a bad timing or a bad body with 400 and say why', async () => {
    const {admin} = await sandboxForTest()
    const badFault = await admin('POST', '/faults', {kind: 'error', status: 302})
    expect(badFault.status).toBe(400)
    expect(badFault.body).toEqual({id: 'bad_request', message: 'status must be an HTTP error status from 400 to 599'})
    const badTiming = await admin('PATCH', '/timing', {pending: -1})
    expect(badTiming.status).toBe(400)
    expect(badTiming.body.message).toContain('timing.pending')
    expect((await admin('PATCH', '/timing', {later: 1})).body.message).toContain('unknown timing field "later"')
    expect((await admin('POST', '/faults', '{')).status).toBe(400)
    expect((await admin('GET', '/timing')).body).toEqual(DEMO_TIMING)
  })

  it('change the timing of connections created afterwards', async () => {
    const {admin, api} = await sandboxForTest()
    const changed = await admin('PATCH', '/timing', {pending: 0, provisioning: 0, tunnelsUpAfter: null})
    expect(changed.body).toEqual({...DEMO_TIMING, pending: 0, provisioning: 0, tunnelsUpAfter: null})
    const created = (await api('POST', CONNECTIONS, OFFICE_BODY)).body
    expect(created.status).toBe('active')
    expect(tunnelStatuses(created)).toEqual(['DOWN', 'DOWN'])
  })

  it('make the next connection created end failed with a status message, once', async () => {
    const clock = fakeClock()
    const {admin, api} = await sandboxForTest({clock, timing: {pending: 1, provisioning: 1}})
    const armed = await admin('POST', '/fail-next-connection', {message: 'Customer gateway rejected the proposal.'})
    expect(armed.status).toBe(200)
    await api('POST', CONNECTIONS, OFFICE_BODY)
    clock.advance(1.5)
    expect((await api('GET', `${CONNECTIONS}/office`)).body.status).toBe('provisioning')
    clock.advance(0.5)
    const failed = (await api('GET', `${CONNECTIONS}/office`)).body
    expect(failed).toMatchObject({
      status: 'failed',
      status_message: 'Customer gateway rejected the proposal.',
      tunnels: [],
    })

    await api('DELETE', `${CONNECTIONS}/office`)
    clock.advance(60)
    await api('POST', CONNECTIONS, OFFICE_BODY)
    clock.advance(2)
    expect((await api('GET', `${CONNECTIONS}/office`)).body.status).toBe('active')
  })

  it('make a connection failed now, with a default message unless one is given', async () => {
    const {admin, api} = await sandboxForTest()
    const failed = await admin('POST', `${OFFICE}/fail`, {message: 'Tunnel endpoint lost.'})
    expect(failed.status).toBe(200)
    expect(failed.body).toMatchObject({status: 'failed', status_message: 'Tunnel endpoint lost.', tunnels: []})
    expect((await api('GET', OFFICE)).body.status_message).toBe('Tunnel endpoint lost.')

    const {admin: other} = await sandboxForTest()
    expect((await other('POST', `${OFFICE}/fail`)).body.status_message).toBe(DEFAULT_FAILURE_MESSAGE)
    expect((await other('POST', '/spaces/acme-space/vpn-connections/home/fail')).status).toBe(404)
  })

  it('set one tunnel DOWN or UP with a status message and the time of the change', async () => {
    const {admin, api} = await sandboxForTest()
    const before = Date.now()
    const changed = await admin('PUT', `${OFFICE}/tunnels/2`, {status: 'DOWN', status_message: 'Maintenance window'})
    expect(changed.status).toBe(200)
    expect(tunnelStatuses(changed.body)).toEqual(['UP', 'DOWN'])
    expect(changed.body.tunnels[1].status_message).toBe('Maintenance window')
    expect(Date.parse(changed.body.tunnels[1].last_status_change)).toBeGreaterThanOrEqual(before - 1)
    expect(tunnelStatuses((await api('GET', OFFICE)).body)).toEqual(['UP', 'DOWN'])
    expect(tunnelStatuses((await admin('PUT', `${OFFICE}/tunnels/2`, {status: 'UP'})).body)).toEqual(['UP', 'UP'])

    expect((await admin('PUT', `${OFFICE}/tunnels/3`, {status: 'UP'})).status).toBe(404)
    expect((await admin('PUT', `${OFFICE}/tunnels/1`, {status: 'up'})).status).toBe(400)
    expect((await admin('PUT', `${OFFICE}/tunnels/1`, {status: 'UP', status_message: 3})).status).toBe(400)
  })

  it('put a connection with the tunnels a gateway already has: active at once, both DOWN until set, one per space', async () => {
    const {admin, api} = await sandboxForTest()
    const gateway = `/spaces/${DEFAULT_BLOCKS_SPACE}/vpn-connections/lab`
    const tunnels = [
      {ip: '203.0.113.21', pre_shared_key: 'key one'},
      {ip: '198.51.100.21', pre_shared_key: 'key two'},
    ]
    const put = await admin('PUT', gateway, {public_ip: '192.0.2.1', routable_cidrs: ['172.16.0.0/24'], tunnels})
    expect(put.status).toBe(200)
    const shown = (await api('GET', gateway)).body
    expect([shown.name, shown.status, shown.public_ip, shown.routable_cidrs]).toEqual([
      'lab',
      'active',
      '192.0.2.1',
      ['172.16.0.0/24'],
    ])
    expect(
      shown.tunnels.map((tunnel: {ip: string; pre_shared_key: string}) => [tunnel.ip, tunnel.pre_shared_key]),
    ).toEqual(tunnels.map((tunnel) => [tunnel.ip, tunnel.pre_shared_key]))
    expect(tunnelStatuses(shown)).toEqual(['DOWN', 'DOWN'])
    expect(tunnelStatuses((await admin('PUT', `${gateway}/tunnels/1`, {status: 'UP'})).body)).toEqual(['UP', 'DOWN'])

    const id = '6f1c2d3e-4b5a-4c6d-8e7f-001122334455'
    const replaced = await admin('PUT', gateway, {
      id,
      public_ip: '192.0.2.2',
      routable_cidrs: ['172.16.0.0/24'],
      tunnels,
    })
    expect([replaced.body.id, replaced.body.public_ip, ...tunnelStatuses(replaced.body)]).toEqual([
      id,
      '192.0.2.2',
      'DOWN',
      'DOWN',
    ])
    expect((await api('GET', `/spaces/${DEFAULT_BLOCKS_SPACE}/vpn-connections`)).body).toHaveLength(1)

    const second = await admin('PUT', `/spaces/${DEFAULT_BLOCKS_SPACE}/vpn-connections/other`, {
      public_ip: '192.0.2.3',
      routable_cidrs: ['172.16.1.0/24'],
      tunnels,
    })
    expect([second.status, second.body.message]).toEqual([
      422,
      expect.stringContaining('already has the VPN connection lab'),
    ])
    const bad = await admin('PUT', gateway, {
      public_ip: '192.0.2.1',
      routable_cidrs: ['172.16.0.0/24'],
      tunnels: [tunnels[0]],
    })
    expect([bad.status, bad.body.message]).toEqual([422, expect.stringContaining('tunnels must be two objects')])
    const badKey = await admin('PUT', gateway, {
      id: 7,
      public_ip: 'nowhere',
      routable_cidrs: ['172.16.0.0/24'],
      tunnels: [tunnels[0], {ip: '198.51.100.21', pre_shared_key: ''}],
    })
    expect(badKey.body.message).toMatch(
      /^id must be a non-empty string\. public_ip must be an IPv4 address\. tunnels must be two objects/,
    )
  })

  it('show a connection without logging a request, and answer 404 for what they do not have', async () => {
    const {admin, sandbox} = await sandboxForTest()
    const shown = await admin('GET', OFFICE)
    expect(shown.status).toBe(200)
    expect(shown.body.name).toBe(SEEDED_CONNECTION)
    expect(sandbox.control.requests()).toEqual([])
    const unknown = await admin('GET', '/nothing')
    expect(unknown.status).toBe(404)
    expect(unknown.body.message).toContain('GET /__sandbox lists them')
    expect((await admin('GET', '/requests/extra')).status).toBe(404)
  })

  it('reset everything to the seeds: connections, faults, request log, timing, a pending failure', async () => {
    const {admin, api, sandbox} = await sandboxForTest({timing: INSTANT_TIMING})
    const seededOffice = (await api('GET', OFFICE)).body
    await api('DELETE', OFFICE)
    await api('POST', CONNECTIONS, OFFICE_BODY)
    await admin('PATCH', '/timing', {pending: 100})
    await admin('POST', '/fail-next-connection', {})
    sandbox.control.injectFault({kind: 'error', path: '^/nothing$'})

    const reset = await admin('POST', '/reset')
    expect(reset.status).toBe(200)
    expect(reset.body.timing).toEqual(INSTANT_TIMING)
    expect(sandbox.control.faults()).toEqual([])
    expect(sandbox.control.requests()).toEqual([])
    expect((await api('GET', CONNECTIONS)).body).toEqual([])
    const office = (await api('GET', OFFICE)).body
    expect(office).toMatchObject({id: seededOffice.id, status: 'active'})
    expect(tunnelStatuses(office)).toEqual(['UP', 'UP'])
    expect(office.tunnels[0].ip).toBe(seededOffice.tunnels[0].ip)
    expect((await api('POST', CONNECTIONS, OFFICE_BODY)).body.status).toBe('active')
  })
})

describe('the control from code', () => {
  it('sets a tunnel before the connection is active: it applies from activation, and the automatic UP no longer does', async () => {
    const clock = fakeClock()
    const {api, sandbox} = await sandboxForTest({clock, timing: {pending: 10, provisioning: 10, tunnelsUpAfter: 5}})
    await api('POST', CONNECTIONS, OFFICE_BODY)
    sandbox.control.setTunnelStatus(
      {connection: 'office', space: DEFAULT_BLOCKS_SPACE, tunnel: 1},
      'DOWN',
      'Waiting for the customer gateway',
    )
    clock.advance(20)
    expect(tunnelStatuses(sandbox.control.connection(DEFAULT_BLOCKS_SPACE, 'office') as never)).toEqual([
      'DOWN',
      'DOWN',
    ])
    clock.advance(5)
    const later = sandbox.control.connection(DEFAULT_BLOCKS_SPACE, 'office')
    expect(tunnelStatuses(later as never)).toEqual(['DOWN', 'UP'])
    expect(later.tunnels[0]?.status_message).toBe('Waiting for the customer gateway')
  })

  it('throws the API error for a connection or tunnel it cannot find, and InvalidControlInput for bad input', async () => {
    const {sandbox} = await sandboxForTest()
    expect(() => sandbox.control.failConnection(SPACE_WITH_CONNECTION, 'home')).toThrow(
      "Couldn't find that VPN connection.",
    )
    expect(() => sandbox.control.connection('nowhere', 'office')).toThrow("Couldn't find that space.")
    expect(() =>
      sandbox.control.setTunnelStatus({connection: SEEDED_CONNECTION, space: SPACE_WITH_CONNECTION, tunnel: 0}, 'UP'),
    ).toThrow('There is no tunnel 0')
    expect(() =>
      sandbox.control.setTunnelStatus(
        {connection: SEEDED_CONNECTION, space: SPACE_WITH_CONNECTION, tunnel: 1},
        'on' as never,
      ),
    ).toThrow(InvalidControlInput)
    expect(() => sandbox.control.setTiming({provisioning: Number.NaN})).toThrow(InvalidControlInput)
    expect(sandbox.control.setTiming({provisioning: 2})).toEqual({...DEMO_TIMING, provisioning: 2})
  })
})
