import type {SandboxControl} from './control.js'
import type {FaultRule} from './faults.js'
import type {TunnelStatus} from './state.js'
import type {SandboxTiming} from './timing.js'

import {generationName} from '../lib/api/types.js'
import {type Answer, ApiError, badRequest, InvalidControlInput, parseJsonBody} from './answers.js'
import {pathSegments} from './api.js'
import {describeSpaceSeed, SPACE_SEEDS} from './seeds.js'

export const ADMIN_PREFIX = '/__sandbox'

/** The admin endpoints, as `GET /__sandbox` lists them. None needs an API key; all answer JSON. */
export const ADMIN_ENDPOINTS = [
  {does: 'this overview: seeded spaces, timing, admin endpoints', method: 'GET', path: ''},
  {does: 'the API requests received, oldest first', method: 'GET', path: '/requests'},
  {does: 'clear the request log', method: 'DELETE', path: '/requests'},
  {does: 'the armed faults', method: 'GET', path: '/faults'},
  {does: 'arm a fault: {kind, status?, retryAfter?, delayMs?, method?, path?, times?, probability?, seed?, when?}', method: 'POST', path: '/faults'},
  {does: 'disarm every fault', method: 'DELETE', path: '/faults'},
  {does: 'the timing of new connections, in seconds', method: 'GET', path: '/timing'},
  {does: 'change the timing of new connections: {pending?, provisioning?, tunnelsUpAfter?, deprovisioning?}', method: 'PATCH', path: '/timing'},
  {does: 'back to the seeds: connections, faults, request log, timing', method: 'POST', path: '/reset'},
  {does: 'the next connection created ends failed: {message?}', method: 'POST', path: '/fail-next-connection'},
  {does: 'a connection, without a request in the log', method: 'GET', path: '/spaces/{space}/vpn-connections/{connection}'},
  {does: 'make a connection failed now: {message?}', method: 'POST', path: '/spaces/{space}/vpn-connections/{connection}/fail'},
  {does: 'set tunnel 1 or 2: {status: "UP"|"DOWN", status_message?}', method: 'PUT', path: '/spaces/{space}/vpn-connections/{connection}/tunnels/{1|2}'},
] as const

function optionalString(body: unknown, key: string): string | undefined {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined
  if (value !== undefined && typeof value !== 'string') throw badRequest(`${key} must be a string`)
  return value
}

const ok = (body: unknown, status = 200): Answer => ({body, status})

/** The `/__sandbox` endpoints, a thin HTTP face over the control. */
export function createAdminHandler(control: SandboxControl): (method: string, path: string, bodyText: string) => Answer {
  const overview = () => ({
    endpoints: ADMIN_ENDPOINTS.map((endpoint) => ({...endpoint, path: ADMIN_PREFIX + endpoint.path})),
    spaces: SPACE_SEEDS.map((seed) => ({
      cidr: seed.cidr,
      connection: seed.connection?.name ?? null,
      data_cidr: seed.dataCidr,
      description: describeSpaceSeed(seed),
      generation: generationName(seed.generation),
      ike_version: seed.ikeVersion,
      name: seed.name,
    })),
    timing: control.timing(),
  })

  const topLevel: Readonly<Record<string, (body: () => unknown) => Answer>> = {
    'DELETE faults': () => {
      control.clearFaults()
      return ok(control.faults())
    },
    'DELETE requests': () => {
      control.clearRequests()
      return ok(control.requests())
    },
    'GET ': () => ok(overview()),
    'GET faults': () => ok(control.faults()),
    'GET requests': () => ok(control.requests()),
    'GET timing': () => ok(control.timing()),
    'PATCH timing': (body) => ok(control.setTiming((body() ?? {}) as Partial<SandboxTiming>)),
    'POST faults': (body) => ok(control.injectFault(body() as FaultRule), 201),
    'POST fail-next-connection': (body) => {
      const message = optionalString(body(), 'message')
      control.failNextConnection(message)
      return ok({failNextConnection: true, message: message ?? null})
    },
    'POST reset': () => {
      control.reset()
      return ok(overview())
    },
  }

  const route = (method: string, segments: readonly string[], bodyText: string): Answer => {
    const body = () => parseJsonBody(bodyText)
    const topLevelRoute = segments.length <= 1 ? topLevel[`${method} ${segments[0] ?? ''}`] : undefined
    if (topLevelRoute) return topLevelRoute(body)
    const [resource, space, collection, connection, action, tunnel, ...rest] = segments
    if (resource === 'spaces' && space !== undefined && collection === 'vpn-connections' && connection !== undefined && rest.length === 0) {
      if (method === 'GET' && action === undefined) return ok(control.connection(space, connection))
      if (method === 'POST' && action === 'fail' && tunnel === undefined) {
        return ok(control.failConnection(space, connection, optionalString(body(), 'message')))
      }

      if (method === 'PUT' && action === 'tunnels' && tunnel !== undefined) {
        const fields = body()
        const status = optionalString(fields, 'status') as TunnelStatus
        return ok(control.setTunnelStatus(space, connection, Number(tunnel), status, optionalString(fields, 'status_message')))
      }
    }

    throw new ApiError(404, 'not_found', `No sandbox admin endpoint ${method} ${ADMIN_PREFIX}/${segments.join('/')}: GET ${ADMIN_PREFIX} lists them.`)
  }

  return (method, path, bodyText) => {
    try {
      return route(method, pathSegments(path).slice(1), bodyText)
    } catch (error) {
      if (error instanceof ApiError) return error.toAnswer()
      if (error instanceof InvalidControlInput) return badRequest(error.message).toAnswer()
      throw error
    }
  }
}
