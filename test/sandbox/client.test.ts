import {describe, expect, it} from 'vitest'

import type {VpnConnection} from '../../src/lib/api/types.js'

import {createPlatformApi} from '../../src/lib/api/client.js'
import {PlatformApiError} from '../../src/lib/api/errors.js'
import {createTransport} from '../../src/lib/api/transport.js'
import {CUSTOM_BLOCKS_SPACE, DEFAULT_BLOCKS_SPACE, INSTANT_TIMING, type Sandbox} from '../../src/sandbox/index.js'
import {sandboxForTest} from './support.js'

/** The plugin's own API client, pointed at the sandbox as HEROKU_HOST and HEROKU_API_KEY would point it. */
function pluginClient(sandbox: Sandbox, apiKey = sandbox.apiKey) {
  const transport = createTransport({baseUrl: sandbox.url, token: async () => apiKey, userAgent: 'sandbox-test'})
  return createPlatformApi({async sleep() {}, tokenFromEnv: true, transport})
}

const BODY = {public_ip: '52.91.173.226', routable_cidrs: ['172.16.0.0/16']}

describe("the plugin's API client against the sandbox", () => {
  it('reads spaces, and creates, reads, updates and deletes connections whose names need encoding', async () => {
    const {sandbox} = await sandboxForTest({timing: INSTANT_TIMING})
    const api = pluginClient(sandbox)
    expect(await api.getSpace(CUSTOM_BLOCKS_SPACE)).toMatchObject({cidr: '10.20.0.0/16', generation: {name: 'cedar'}})

    for (const [space, name] of [
      [DEFAULT_BLOCKS_SPACE, 'a/b'],
      [CUSTOM_BLOCKS_SPACE, '..'],
    ] as const) {
      const created = await api.createVpnConnection(space, {...BODY, name})
      expect(created).toMatchObject({name, status: 'active'})
      expect(await api.getVpnConnection(space, name)).toMatchObject({id: (created as VpnConnection).id})
      expect(await api.updateVpnConnection(space, name, {routable_cidrs: ['192.168.1.0/24']})).toMatchObject({
        routable_cidrs: ['192.168.1.0/24'],
      })
      expect(await api.deleteVpnConnection(space, name)).toMatchObject({status: 'deprovisioning'})
      expect(await api.listVpnConnections(space)).toEqual([])
    }

    expect(
      sandbox.control.requests().every((entry) => entry.handled && entry.status !== null && entry.status < 300),
    ).toBe(true)
  })

  it('gets the errors it maps: 404 for space and connection, 401 for a wrong key, 429 with its Retry-After', async () => {
    const {sandbox} = await sandboxForTest()
    const api = pluginClient(sandbox)
    await expect(api.getSpace('nowhere')).rejects.toMatchObject({apiId: 'not_found', status: 404})
    await expect(api.getVpnConnection(DEFAULT_BLOCKS_SPACE, 'home')).rejects.toMatchObject({
      apiId: 'not_found',
      status: 404,
    })
    await expect(pluginClient(sandbox, 'wrong').getSpace(DEFAULT_BLOCKS_SPACE)).rejects.toMatchObject({
      apiId: 'unauthorized',
      status: 401,
    })
    sandbox.control.injectFault({kind: 'rate-limit', retryAfter: 3, times: 3})
    const limited = await api.getSpace(DEFAULT_BLOCKS_SPACE).catch((error: unknown) => error)
    expect(limited).toBeInstanceOf(PlatformApiError)
    expect(limited).toMatchObject({retryAfterMs: 3000, status: 429})
  })

  it('retries a read through a 503 but sends a create whose answer was lost only once', async () => {
    const {sandbox} = await sandboxForTest()
    const api = pluginClient(sandbox)
    sandbox.control.injectFault({kind: 'error', method: 'GET', times: 2})
    expect(await api.getSpace(DEFAULT_BLOCKS_SPACE)).toMatchObject({name: DEFAULT_BLOCKS_SPACE})
    expect(sandbox.control.requests().map((entry) => entry.status)).toEqual([503, 503, 200])

    sandbox.control.clearRequests()
    sandbox.control.injectFault({kind: 'drop', method: 'POST', when: 'after'})
    await expect(api.createVpnConnection(DEFAULT_BLOCKS_SPACE, {...BODY, name: 'office'})).rejects.toThrow()
    expect(sandbox.control.requests().filter((entry) => entry.method === 'POST')).toHaveLength(1)
    expect(sandbox.control.connection(DEFAULT_BLOCKS_SPACE, 'office').status).toBe('pending')
  })
})
