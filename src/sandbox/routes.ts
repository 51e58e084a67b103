import type {SandboxControl} from './control.js'
import type {SandboxState, TunnelStatus} from './state.js'

import {generationName} from '../lib/api/types.js'
import {type Answer, badRequest, parseJsonBody} from './answers.js'
import {FAULT_RULE_KEYS, type FaultRule} from './faults.js'
import {describeSpaceSeed, SPACE_SEEDS} from './seeds.js'
import {type SandboxTiming, TIMING_KEYS} from './timing.js'
import {existingConnectionFrom, newConnectionFrom, routableCidrsFrom} from './validation.js'

export const ADMIN_PREFIX = '/__sandbox'

/** Whether a path, as sent or as a route writes it, is one of the admin endpoints rather than the Platform API's. */
export function isAdminPath(path: string): boolean {
  return path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)
}

/** The path's segments, each percent-decoded on its own, so `a%2Fb` names `a/b` rather than two segments. */
export function pathSegments(path: string): string[] {
  try {
    return path
      .split('/')
      .slice(1)
      .map((segment) => decodeURIComponent(segment))
  } catch {
    throw badRequest('The request path is not validly percent-encoded.')
  }
}

export interface RouteContext {
  readonly control: SandboxControl
  readonly state: SandboxState
}

interface RouteRequest<Params> extends RouteContext {
  /** The JSON body, parsed only by the routes that take one. */
  body(): unknown
  /** The segments standing where the route's path has `{...}`, decoded, in order. */
  readonly params: Params
}

type PathParams<Path extends string> = Path extends `${string}{${string}}${infer Rest}`
  ? [string, ...PathParams<Rest>]
  : []

interface Route {
  readonly answer: (request: RouteRequest<readonly string[]>) => Answer
  readonly does: string
  readonly method: string
  /** `{...}` stands for any one segment. */
  readonly path: string
}

function route<Path extends string>(
  method: string,
  path: Path,
  does: string,
  answer: (request: RouteRequest<PathParams<Path>>) => Answer,
): Route {
  // Sound because a route is only answered with one param per `{...}` of its path.
  return {answer: answer as Route['answer'], does, method, path}
}

const ok = (body: unknown, status = 200): Answer => ({body, status})

function optionalString(body: unknown, key: string): string | undefined {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined
  if (value !== undefined && typeof value !== 'string') throw badRequest(`${key} must be a string`)
  return value
}

/** `{a, b?}`: a body of these fields, all optional but the required ones. */
function bodyFields(keys: readonly string[], required: readonly string[] = []): string {
  return `{${keys.map((key) => (required.includes(key) ? key : `${key}?`)).join(', ')}}`
}

const SPACE = '/spaces/{space}'
const CONNECTIONS = `${SPACE}/vpn-connections` as const
const CONNECTION = `${CONNECTIONS}/{connection}` as const
const ADMIN_CONNECTION = `${ADMIN_PREFIX}${CONNECTION}` as const

/** Every endpoint: the Platform API's, then the admin ones in the order `GET /__sandbox` lists them. */
const ROUTES: readonly Route[] = [
  route('GET', SPACE, 'a space', ({params: [space], state}) => ok(state.getSpace(space))),
  route('GET', CONNECTIONS, "the space's VPN connections", ({params: [space], state}) =>
    ok(state.listConnections(space)),
  ),
  route(
    'POST',
    CONNECTIONS,
    'create a VPN connection: {name, public_ip, routable_cidrs}',
    ({body, params: [space], state}) => ok(state.createConnection(space, newConnectionFrom(body())), 201),
  ),
  route('GET', CONNECTION, 'a VPN connection', ({params: [space, connection], state}) =>
    ok(state.getConnection(space, connection)),
  ),
  route(
    'PATCH',
    CONNECTION,
    'replace its routable CIDRs: {routable_cidrs}',
    ({body, params: [space, connection], state}) =>
      ok(state.updateConnection(space, connection, routableCidrsFrom(body()))),
  ),
  route('DELETE', CONNECTION, 'start deprovisioning it', ({params: [space, connection], state}) =>
    ok(state.deleteConnection(space, connection), 202),
  ),

  route('GET', ADMIN_PREFIX, 'this overview: seeded spaces, timing, admin endpoints', ({control}) =>
    ok(overview(control)),
  ),
  route('GET', `${ADMIN_PREFIX}/requests`, 'the API requests received, oldest first', ({control}) =>
    ok(control.requests()),
  ),
  route('DELETE', `${ADMIN_PREFIX}/requests`, 'clear the request log', ({control}) => {
    control.clearRequests()
    return ok(control.requests())
  }),
  route('GET', `${ADMIN_PREFIX}/faults`, 'the armed faults', ({control}) => ok(control.faults())),
  route('POST', `${ADMIN_PREFIX}/faults`, `arm a fault: ${bodyFields(FAULT_RULE_KEYS, ['kind'])}`, ({body, control}) =>
    ok(control.injectFault(body() as FaultRule), 201),
  ),
  route('DELETE', `${ADMIN_PREFIX}/faults`, 'disarm every fault', ({control}) => {
    control.clearFaults()
    return ok(control.faults())
  }),
  route('GET', `${ADMIN_PREFIX}/timing`, 'the timing of new connections, in seconds', ({control}) =>
    ok(control.timing()),
  ),
  route(
    'PATCH',
    `${ADMIN_PREFIX}/timing`,
    `change the timing of new connections: ${bodyFields(TIMING_KEYS)}`,
    ({body, control}) => ok(control.setTiming((body() ?? {}) as Partial<SandboxTiming>)),
  ),
  route('POST', `${ADMIN_PREFIX}/reset`, 'back to the seeds: connections, faults, request log, timing', ({control}) => {
    control.reset()
    return ok(overview(control))
  }),
  route(
    'POST',
    `${ADMIN_PREFIX}/fail-next-connection`,
    'the next connection created ends failed: {message?}',
    ({body, control}) => {
      const message = optionalString(body(), 'message')
      control.failNextConnection(message)
      return ok({failNextConnection: true, message: message ?? null})
    },
  ),
  route(
    'GET',
    ADMIN_CONNECTION,
    'a connection, without a request in the log',
    ({control, params: [space, connection]}) => ok(control.connection(space, connection)),
  ),
  route(
    'PUT',
    ADMIN_CONNECTION,
    'put an active connection with its tunnels, both DOWN until set: {id?, public_ip, routable_cidrs, tunnels: [{ip, pre_shared_key}] × 2}',
    ({body, control, params: [space, connection]}) =>
      ok(control.putConnection(space, existingConnectionFrom(connection, body()))),
  ),
  route(
    'POST',
    `${ADMIN_CONNECTION}/fail`,
    'make a connection failed now: {message?}',
    ({body, control, params: [space, connection]}) =>
      ok(control.failConnection(space, connection, optionalString(body(), 'message'))),
  ),
  route(
    'PUT',
    `${ADMIN_CONNECTION}/tunnels/{1|2}`,
    'set tunnel 1 or 2: {status: "UP"|"DOWN", status_message?}',
    ({body, control, params: [space, connection, tunnel]}) => {
      const fields = body()
      const status = optionalString(fields, 'status') as TunnelStatus
      return ok(
        control.setTunnelStatus(
          {connection, space, tunnel: Number(tunnel)},
          status,
          optionalString(fields, 'status_message'),
        ),
      )
    },
  ),
]

/** The admin endpoints, as `GET /__sandbox` lists them. None needs an API key; all answer JSON. */
export const ADMIN_ENDPOINTS = ROUTES.filter((candidate) => isAdminPath(candidate.path)).map(
  ({does, method, path}) => ({does, method, path}),
)

function overview(control: SandboxControl) {
  return {
    endpoints: ADMIN_ENDPOINTS,
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
  }
}

const isParam = (segment: string) => segment.startsWith('{') && segment.endsWith('}')

/**
 * The answer of the route that takes this request, or undefined when none does. A path under the admin prefix is
 * only ever an admin route, and any other path only ever an API route, whatever its segments decode to.
 */
export function answerByRoute(
  context: RouteContext,
  method: string,
  path: string,
  bodyText: string,
): Answer | undefined {
  const segments = pathSegments(path)
  const admin = isAdminPath(path)
  for (const candidate of ROUTES) {
    if (candidate.method !== method || isAdminPath(candidate.path) !== admin) continue
    const pattern = candidate.path.split('/').slice(1)
    if (
      pattern.length !== segments.length ||
      !pattern.every((part, index) => isParam(part) || part === segments[index])
    )
      continue
    const params = segments.filter((_, index) => isParam(pattern[index]!))
    return candidate.answer({...context, body: () => parseJsonBody(bodyText), params})
  }

  return undefined
}
