import {describe, expect, it} from 'vitest'

import {
  CUSTOM_BLOCKS_SPACE,
  DEFAULT_BLOCKS_SPACE,
  FIR_SPACE,
  SEEDED_CONNECTION,
  SPACE_WITH_CONNECTION,
} from '../../src/sandbox/index.js'
import {ACCEPT_V3, fakeClock, OFFICE_BODY, sandboxForTest, send} from './support.js'

const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/

describe('the sandbox speaks the Platform API protocol', () => {
  it('refuses a request without the version 3 Accept header with 406 not_acceptable', async () => {
    const {sandbox} = await sandboxForTest()
    const auth = `Bearer ${sandbox.apiKey}`
    for (const accept of [
      undefined,
      'application/json',
      'application/vnd.heroku+json',
      'application/vnd.heroku+json; version=2',
    ]) {
      const reply = await send(sandbox.url, 'GET', `/spaces/${DEFAULT_BLOCKS_SPACE}`, {
        headers: {Accept: accept, Authorization: auth},
      })
      expect(reply.status, `Accept: ${accept}`).toBe(406)
      expect(reply.body.id).toBe('not_acceptable')
      expect(reply.body.message).toContain(ACCEPT_V3)
    }

    const listed = await send(sandbox.url, 'GET', `/spaces/${DEFAULT_BLOCKS_SPACE}`, {
      headers: {Accept: `application/json, application/vnd.heroku+json;version=3`, Authorization: auth},
    })
    expect(listed.status).toBe(200)
  })

  it('refuses a missing or wrong API key with 401 unauthorized', async () => {
    const {sandbox} = await sandboxForTest({apiKey: 'the-right-key'})
    const cases = [
      undefined,
      'Bearer sandbox-api-key',
      'Bearer the-right-key-not',
      'the-right-key',
      'Basic the-right-key',
    ]
    for (const authorization of cases) {
      const reply = await send(sandbox.url, 'GET', `/spaces/${DEFAULT_BLOCKS_SPACE}`, {
        headers: {Accept: ACCEPT_V3, Authorization: authorization},
      })
      expect(reply.status, `Authorization: ${authorization}`).toBe(401)
      expect(reply.body).toEqual({id: 'unauthorized', message: 'Invalid credentials provided.'})
    }

    const right = await send(sandbox.url, 'GET', `/spaces/${DEFAULT_BLOCKS_SPACE}`, {
      headers: {Accept: ACCEPT_V3, Authorization: 'Bearer the-right-key'},
    })
    expect(right.status).toBe(200)
  })

  it('puts Content-Type, a fresh Request-Id and RateLimit-Remaining on every answer, errors included', async () => {
    const {api, sandbox} = await sandboxForTest()
    const replies = [
      await api('GET', `/spaces/${DEFAULT_BLOCKS_SPACE}`),
      await api('GET', '/spaces/nowhere'),
      await send(sandbox.url, 'GET', `/spaces/${DEFAULT_BLOCKS_SPACE}`),
      await api('POST', `/spaces/${DEFAULT_BLOCKS_SPACE}/vpn-connections`, {}),
    ]
    expect(replies.map((reply) => reply.status)).toEqual([200, 404, 406, 422])
    for (const reply of replies) {
      expect(reply.headers['content-type']).toBe('application/json')
      expect(reply.headers['request-id']).toMatch(UUID)
      expect(Number(reply.headers['ratelimit-remaining'])).toBeGreaterThan(4000)
    }

    expect(new Set(replies.map((reply) => reply.headers['request-id'])).size).toBe(replies.length)
  })

  it('spends one of its rate-limit budget per API request, none per admin one, and refills 75 a minute up to 4500', async () => {
    const clock = fakeClock()
    const {admin, api} = await sandboxForTest({clock})
    const remainingAfter = async (reply: Promise<{headers: Record<string, unknown>}>) =>
      Number((await reply).headers['ratelimit-remaining'])
    expect(await remainingAfter(api('GET', `/spaces/${DEFAULT_BLOCKS_SPACE}`))).toBe(4499)
    expect(await remainingAfter(api('GET', '/spaces/nowhere'))).toBe(4498)
    expect(await remainingAfter(admin('GET', '/timing'))).toBe(4498)
    clock.advance(0.8)
    expect(await remainingAfter(admin('GET', '/timing'))).toBe(4499)
    clock.advance(3600)
    expect(await remainingAfter(admin('GET', '/timing'))).toBe(4500)
  })

  it('answers 404 not_found for an endpoint it does not have, or a method an endpoint does not take', async () => {
    const {api} = await sandboxForTest()
    for (const [method, path] of [
      ['GET', '/apps'],
      ['GET', '/spaces'],
      ['DELETE', `/spaces/${DEFAULT_BLOCKS_SPACE}`],
      ['PUT', `/spaces/${SPACE_WITH_CONNECTION}/vpn-connections/${SEEDED_CONNECTION}`],
      ['GET', `/spaces/${SPACE_WITH_CONNECTION}/vpn-connections/${SEEDED_CONNECTION}/tunnels`],
    ]) {
      const reply = await api(method as string, path as string)
      expect(reply.status, `${method} ${path}`).toBe(404)
      expect(reply.body.id).toBe('not_found')
      expect(reply.body.message).toContain('endpoint was not found')
    }
  })

  it('says which of space and connection was not found', async () => {
    const {api} = await sandboxForTest()
    const noSpace = await api('GET', '/spaces/nowhere/vpn-connections/office')
    const noConnection = await api('GET', `/spaces/${SPACE_WITH_CONNECTION}/vpn-connections/home`)
    expect(noSpace.status).toBe(404)
    expect(noSpace.body).toEqual({id: 'not_found', message: "Couldn't find that space."})
    expect(noConnection.status).toBe(404)
    expect(noConnection.body).toEqual({id: 'not_found', message: "Couldn't find that VPN connection."})
    for (const path of ['/spaces/nowhere', '/spaces/nowhere/vpn-connections']) {
      expect((await api('GET', path)).body.message).toBe("Couldn't find that space.")
    }

    for (const method of ['PATCH', 'DELETE']) {
      const reply = await api(method, `/spaces/${SPACE_WITH_CONNECTION}/vpn-connections/home`, {
        routable_cidrs: ['172.16.0.0/16'],
      })
      expect(reply.status).toBe(404)
      expect(reply.body.message).toBe("Couldn't find that VPN connection.")
    }
  })

  it('answers 400 bad_request for a body that is not JSON or a path that is not validly encoded', async () => {
    const {api} = await sandboxForTest()
    const notJson = await api('POST', `/spaces/${DEFAULT_BLOCKS_SPACE}/vpn-connections`, '{"name":')
    expect(notJson.status).toBe(400)
    expect(notJson.body.id).toBe('bad_request')
    const badEncoding = await api('GET', `/spaces/${DEFAULT_BLOCKS_SPACE}/vpn-connections/%E0%A4%A`)
    expect(badEncoding.status).toBe(400)
  })
})

describe('spaces', () => {
  it('has the seeded spaces with their blocks, state, shield, region, team and generation in both shapes', async () => {
    const {api} = await sandboxForTest()
    const cedar = (await api('GET', `/spaces/${DEFAULT_BLOCKS_SPACE}`)).body
    expect(cedar).toMatchObject({
      cidr: '10.0.0.0/16',
      data_cidr: '10.1.0.0/16',
      generation: 'cedar',
      name: DEFAULT_BLOCKS_SPACE,
      shield: false,
      state: 'allocated',
    })
    expect(cedar.id).toMatch(UUID)
    expect(cedar.region.name).toEqual(expect.any(String))
    expect(cedar.team.name).toEqual(expect.any(String))
    expect(Date.parse(cedar.created_at)).not.toBeNaN()
    expect(Date.parse(cedar.updated_at)).not.toBeNaN()

    const custom = (await api('GET', `/spaces/${CUSTOM_BLOCKS_SPACE}`)).body
    expect(custom).toMatchObject({
      cidr: '10.20.0.0/16',
      data_cidr: '10.21.0.0/16',
      generation: {name: 'cedar'},
      shield: true,
    })
    expect(custom.generation.id).toMatch(UUID)
    const fir = (await api('GET', `/spaces/${FIR_SPACE}`)).body
    expect(fir.generation).toMatchObject({name: 'fir'})
    expect((await api('GET', `/spaces/${SPACE_WITH_CONNECTION}`)).body.generation).toBe('cedar')
  })

  it('finds a space by id as well as by name', async () => {
    const {api} = await sandboxForTest()
    const byName = (await api('GET', `/spaces/${CUSTOM_BLOCKS_SPACE}`)).body
    const byId = await api('GET', `/spaces/${byName.id}`)
    expect(byId.status).toBe(200)
    expect(byId.body).toEqual(byName)
  })
})

describe('connection names and ids in paths', () => {
  it('finds a connection by id as well as by name, and by either within its own space only', async () => {
    const {api} = await sandboxForTest()
    const office = (await api('GET', `/spaces/${SPACE_WITH_CONNECTION}/vpn-connections/${SEEDED_CONNECTION}`)).body
    expect(office.id).toMatch(UUID)
    const byId = await api('GET', `/spaces/${SPACE_WITH_CONNECTION}/vpn-connections/${office.id}`)
    expect(byId.status).toBe(200)
    expect(byId.body.name).toBe(SEEDED_CONNECTION)
    expect((await api('GET', `/spaces/${DEFAULT_BLOCKS_SPACE}/vpn-connections/${office.id}`)).status).toBe(404)
  })

  it('decodes each path segment on its own: a%2Fb names the connection a/b, %2E%2E names ..', async () => {
    const {api} = await sandboxForTest({timing: {pending: 0, provisioning: 0}})
    const slash = await api('POST', `/spaces/${DEFAULT_BLOCKS_SPACE}/vpn-connections`, {...OFFICE_BODY, name: 'a/b'})
    const dots = await api('POST', `/spaces/${CUSTOM_BLOCKS_SPACE}/vpn-connections`, {...OFFICE_BODY, name: '..'})
    expect([slash.status, dots.status]).toEqual([201, 201])

    const bySlash = await api('GET', `/spaces/${DEFAULT_BLOCKS_SPACE}/vpn-connections/a%2Fb`)
    expect(bySlash.status).toBe(200)
    expect(bySlash.body.id).toBe(slash.body.id)
    expect((await api('GET', `/spaces/${DEFAULT_BLOCKS_SPACE}/vpn-connections/a/b`)).status).toBe(404)
    const byDots = await api('PATCH', `/spaces/${CUSTOM_BLOCKS_SPACE}/vpn-connections/%2E%2E`, {
      routable_cidrs: ['192.168.0.0/24'],
    })
    expect(byDots.status).toBe(200)
    expect(byDots.body).toMatchObject({id: dots.body.id, routable_cidrs: ['192.168.0.0/24']})
    expect((await api('GET', `/spaces/${encodeURIComponent(DEFAULT_BLOCKS_SPACE)}`)).status).toBe(200)
  })
})
