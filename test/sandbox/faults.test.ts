import {describe, expect, it} from 'vitest'

import {DEFAULT_BLOCKS_SPACE, SEEDED_CONNECTION, SPACE_WITH_CONNECTION} from '../../src/sandbox/index.js'
import {fakeClock, OFFICE_BODY, sandboxForTest} from './support.js'

const SPACE = `/spaces/${DEFAULT_BLOCKS_SPACE}`
const CONNECTIONS = `${SPACE}/vpn-connections`
const OFFICE = `/spaces/${SPACE_WITH_CONNECTION}/vpn-connections/${SEEDED_CONNECTION}`

describe('fault injection', () => {
  it('answers the next N requests with a server error, then carries on', async () => {
    const {api, sandbox} = await sandboxForTest()
    sandbox.control.injectFault({kind: 'error', times: 2})
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push(await api('GET', SPACE))
    expect(statuses.map((reply) => reply.status)).toEqual([503, 503, 200])
    expect(statuses[0]?.body).toEqual({id: 'service_unavailable', message: 'HTTP 503 injected by the sandbox.'})
    expect(statuses[0]?.headers['request-id']).toEqual(expect.any(String))
    expect(sandbox.control.faults()).toEqual([])

    sandbox.control.injectFault({kind: 'error', status: 500})
    const failed = await api('GET', SPACE)
    expect(failed.status).toBe(500)
    expect(failed.body.id).toBe('internal_server_error')
  })

  it('only touches requests that match its method and path', async () => {
    const {api, sandbox} = await sandboxForTest()
    sandbox.control.injectFault({kind: 'error', method: 'get', path: '/vpn-connections/[^/]+$', status: 500, times: 5})
    expect((await api('GET', SPACE)).status).toBe(200)
    expect((await api('POST', CONNECTIONS, OFFICE_BODY)).status).toBe(201)
    expect((await api('PATCH', OFFICE, {routable_cidrs: ['172.16.0.0/16']})).status).toBe(200)
    expect((await api('GET', OFFICE)).status).toBe(500)
    expect(sandbox.control.faults()).toMatchObject([{method: 'GET', remaining: 4}])
  })

  it('limits the rate with 429, Retry-After and no remaining budget', async () => {
    const {api, sandbox} = await sandboxForTest()
    sandbox.control.injectFault({kind: 'rate-limit', retryAfter: 7})
    const limited = await api('GET', OFFICE)
    expect(limited.status).toBe(429)
    expect(limited.headers['retry-after']).toBe('7')
    expect(limited.headers['ratelimit-remaining']).toBe('0')
    expect(limited.body.id).toBe('rate_limit')
    expect((await api('GET', OFFICE)).status).toBe(200)
  })

  it('drops the connection without an answer', async () => {
    const {api, sandbox} = await sandboxForTest()
    sandbox.control.injectFault({kind: 'drop'})
    await expect(api('GET', OFFICE)).rejects.toMatchObject({code: 'ECONNRESET'})
    expect((await api('GET', OFFICE)).status).toBe(200)
    expect(sandbox.control.requests().map((entry) => [entry.status, entry.fault, entry.handled])).toEqual([
      [null, 'drop', false],
      [200, null, true],
    ])
  })

  it('answers slowly, with the normal answer', async () => {
    const clock = fakeClock()
    const {api, sandbox} = await sandboxForTest({clock})
    sandbox.control.injectFault({delayMs: 150, kind: 'delay'})
    const answer = api('GET', OFFICE)
    await clock.timersSet()
    clock.advance(0.1)
    expect(sandbox.control.requests()).toEqual([])
    clock.advance(0.05)
    const slow = await answer
    expect(slow.status).toBe(200)
    expect(slow.body.name).toBe(SEEDED_CONNECTION)
    await api('GET', OFFICE)
    expect(sandbox.control.requests().map((entry) => entry.durationMs)).toEqual([150, 0])
  })

  it('carries out a create whose answer it then replaces, so a blind second create is refused', async () => {
    const {api, sandbox} = await sandboxForTest()
    sandbox.control.injectFault({kind: 'error', method: 'POST', status: 503, when: 'after'})
    const lost = await api('POST', CONNECTIONS, OFFICE_BODY)
    expect(lost.status).toBe(503)
    const listed = await api('GET', CONNECTIONS)
    expect(listed.body.map((connection: {name: string}) => connection.name)).toEqual(['office'])
    expect((await api('POST', CONNECTIONS, OFFICE_BODY)).status).toBe(422)
    expect(sandbox.control.requests().map((entry) => [entry.method, entry.status, entry.handled, entry.fault])).toEqual(
      [
        ['POST', 503, true, 'error 503 after handling'],
        ['GET', 200, true, null],
        ['POST', 422, true, null],
      ],
    )
  })

  it('carries out a request before dropping its connection, or before holding its answer back', async () => {
    const clock = fakeClock()
    const {api, sandbox} = await sandboxForTest({clock})
    sandbox.control.injectFault({kind: 'drop', method: 'DELETE', when: 'after'})
    await expect(api('DELETE', OFFICE)).rejects.toMatchObject({code: 'ECONNRESET'})
    expect((await api('GET', OFFICE)).body.status).toBe('deprovisioning')

    sandbox.control.injectFault({delayMs: 200, kind: 'delay', method: 'POST', when: 'after'})
    const answer = api('POST', CONNECTIONS, OFFICE_BODY)
    await clock.timersSet()
    expect(sandbox.control.connection(DEFAULT_BLOCKS_SPACE, 'office').status).toBe('pending')
    clock.advance(0.2)
    expect((await answer).status).toBe(201)
  })

  it('drops on reset every request a delay holds, so nothing it would have done happens after the reset', async () => {
    const clock = fakeClock()
    const {api, sandbox} = await sandboxForTest({clock})
    sandbox.control.injectFault({delayMs: 300, kind: 'delay', method: 'POST'})
    const held = api('POST', CONNECTIONS, OFFICE_BODY)
    await clock.timersSet()
    sandbox.control.reset()
    await expect(held).rejects.toMatchObject({code: 'ECONNRESET'})
    clock.advance(0.4)
    expect((await api('GET', CONNECTIONS)).body).toEqual([])
    expect(sandbox.control.requests().map((entry) => `${entry.method} ${entry.path}`)).toEqual([`GET ${CONNECTIONS}`])
  })

  it('with a probability, hits a repeatable share of the matching requests, drawn from its seed', async () => {
    const pattern = async (seed: number) => {
      const {api, sandbox} = await sandboxForTest()
      sandbox.control.injectFault({kind: 'error', probability: 0.5, seed})
      const statuses = []
      for (let i = 0; i < 40; i++) statuses.push((await api('GET', SPACE)).status)
      return statuses.map((status) => (status === 503 ? 'x' : '.')).join('')
    }

    const first = await pattern(42)
    expect(await pattern(42)).toBe(first)
    expect(await pattern(7)).not.toBe(first)
    const hits = [...first].filter((mark) => mark === 'x').length
    expect(hits).toBeGreaterThan(10)
    expect(hits).toBeLessThan(30)
  })

  it('with a probability and times, stops after that many hits', async () => {
    const {api, sandbox} = await sandboxForTest()
    sandbox.control.injectFault({kind: 'error', probability: 0.5, times: 3})
    expect(sandbox.control.faults()).toMatchObject([{remaining: 3}])
    const statuses = []
    for (let i = 0; i < 30; i++) statuses.push((await api('GET', SPACE)).status)
    expect(statuses.filter((status) => status === 503)).toHaveLength(3)
    expect(sandbox.control.faults()).toEqual([])
  })

  it('applies the first armed rule that matches, one fault per request', async () => {
    const {api, sandbox} = await sandboxForTest()
    sandbox.control.injectFault({kind: 'error', path: '^/spaces/[^/]+$', status: 500})
    sandbox.control.injectFault({kind: 'rate-limit', retryAfter: 2})
    expect((await api('GET', OFFICE)).status).toBe(429)
    expect((await api('GET', SPACE)).status).toBe(500)
    expect((await api('GET', SPACE)).status).toBe(200)
  })

  it('never touches admin requests, and is cleared on demand', async () => {
    const {admin, api, sandbox} = await sandboxForTest()
    sandbox.control.injectFault({kind: 'drop', times: 3})
    expect((await admin('GET', '/requests')).status).toBe(200)
    expect(sandbox.control.faults()).toMatchObject([{kind: 'drop', remaining: 3}])
    sandbox.control.clearFaults()
    expect((await api('GET', SPACE)).status).toBe(200)
  })

  it.each([
    [{kind: 'explode'}, 'kind must be one of'],
    [{kind: 'error', status: 200}, 'status must be an HTTP error status'],
    [{kind: 'drop', status: 500}, 'status applies to kind error only'],
    [{kind: 'delay'}, 'delayMs must be'],
    [{kind: 'error', path: '(['}, 'path must be a regular expression'],
    [{kind: 'error', probability: 1.5}, 'probability must be'],
    [{kind: 'error', times: 0}, 'times must be'],
    [{kind: 'error', when: 'before'}, 'when must be'],
    [{count: 2, kind: 'error'}, 'unknown fault field "count"'],
  ])('refuses the rule %j', async (rule, message) => {
    const {sandbox} = await sandboxForTest()
    expect(() => sandbox.control.injectFault(rule as never)).toThrow(message)
    expect(sandbox.control.faults()).toEqual([])
  })
})
