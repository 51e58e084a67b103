import type {HttpMethod, HttpRequest, HttpResponse, Transport} from './transport.js'
import type {CreateVpnConnectionBody, SpaceInfo, UpdateVpnConnectionBody, VpnConnection} from './types.js'

import {
  BadAnswerError,
  describeBody,
  isApiNotFound,
  parseJson,
  platformApiError,
  type RequestSubject,
} from './errors.js'
import {ONE_OFF_ATTEMPTS, type RetryOptions, withRetries} from './retry.js'
import {type Shape, SPACE, VPN_CONNECTION, VPN_CONNECTIONS} from './shapes.js'
import {MAX_ANSWER_BYTES} from './transport.js'

export interface CallOptions {
  /** How many times to try; only requests that are safe to repeat take more than 1. */
  readonly attempts?: number
  readonly timeoutMs?: number
}

/**
 * The Platform API endpoints this plugin uses: one function per endpoint. Every success is checked against the shape
 * the endpoint answers (a BadAnswerError otherwise); a change accepted with an empty body resolves to `ACCEPTED`.
 */
export interface PlatformApi {
  /** Sent again after a transient failure only when `checkBeforeResend` finds that the lost create made nothing. */
  createVpnConnection(space: string, body: CreateVpnConnectionBody, options?: CreateOptions): Promise<Changed>
  /** Never repeated on its own: a second DELETE after a lost answer would report "not found". */
  deleteVpnConnection(space: string, name: string, options?: Omit<CallOptions, 'attempts'>): Promise<Changed>
  getSpace(space: string, options?: CallOptions): Promise<SpaceInfo>
  getVpnConnection(space: string, name: string, options?: CallOptions): Promise<VpnConnection>
  listVpnConnections(space: string, options?: CallOptions): Promise<readonly VpnConnection[]>
  updateVpnConnection(
    space: string,
    name: string,
    body: UpdateVpnConnectionBody,
    options?: CallOptions,
  ): Promise<Changed>
}

/** A change the API accepted (2xx) without a body: it was made, and the object must be read back to be shown. */
export const ACCEPTED = Symbol('accepted without a body')

/** What a change answers: the object, or ACCEPTED. */
export type Changed = typeof ACCEPTED | VpnConnection

/** The methods that change something; only their answers may be empty (201, 202, 204 without a body). */
const CHANGES: ReadonlySet<HttpMethod> = new Set(['DELETE', 'PATCH', 'POST'])

/**
 * A success's body as the endpoint's shape, checked: the one place answers are validated. An HTML login page, a
 * cut-off or enormous body, `null` or fields of the wrong type are a BadAnswerError naming the endpoint and the problem.
 */
function decodeAnswer<T>(
  request: HttpRequest,
  response: HttpResponse,
  shape: Shape<T>,
  subject: RequestSubject,
): T | typeof ACCEPTED {
  const empty = response.text.trim() === '' && !response.tooLarge
  if (empty && CHANGES.has(request.method)) return ACCEPTED
  const bad = (problem: string) =>
    new BadAnswerError(
      request,
      subject,
      `The answer to ${request.method} ${request.path} (HTTP ${response.status}) is not ${shape.expected}: ${problem}.`,
    )
  if (empty) throw bad('it is empty')
  if (response.tooLarge)
    throw bad(
      `it is larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB, far more than any such answer, and was not read further`,
    )
  const parsed = parseJson(response.text)
  if (parsed === undefined) throw bad(`it is not JSON (${describeBody(response)})`)
  const problem = shape.problem(parsed.value, '')
  if (problem !== undefined) throw bad(problem)
  return parsed.value as T
}

export interface CreateOptions extends Omit<CallOptions, 'attempts'> {
  /** Looks for the connection a lost create may have made; without it the create is sent once. */
  readonly checkBeforeResend?: (error: unknown) => Promise<undefined | VpnConnection>
}

export interface PlatformApiOptions {
  readonly onRetry?: (error: unknown, delayMs: number) => void
  readonly sleep: (ms: number) => Promise<void>
  readonly tokenFromEnv: boolean
  readonly transport: Transport
}

/** One path segment: a name such as `a/b` or `..` must never become another segment. */
export function pathSegment(value: string): string {
  return encodeURIComponent(value).replaceAll('.', '%2E')
}

function connectionsPath(space: string): string {
  return `/spaces/${pathSegment(space)}/vpn-connections`
}

function connectionPath(space: string, name: string): string {
  return `${connectionsPath(space)}/${pathSegment(name)}`
}

export function createPlatformApi(options: PlatformApiOptions): PlatformApi {
  const call = <T>(
    request: HttpRequest,
    shape: Shape<T>,
    about: Omit<RequestSubject, 'tokenFromEnv'>,
    {attempts, checkBeforeResend}: Pick<RetryOptions<T>, 'attempts' | 'checkBeforeResend'>,
  ) => {
    const subject = {...about, tokenFromEnv: options.tokenFromEnv}
    return withRetries<T | typeof ACCEPTED>(
      async () => {
        const response = await options.transport(request)
        if (response.status >= 200 && response.status < 300) return decodeAnswer(request, response, shape, subject)
        throw platformApiError(response, subject)
      },
      {attempts, checkBeforeResend, method: request.method, onRetry: options.onRetry, sleep: options.sleep},
    )
  }

  // A read is never empty (decodeAnswer refuses that), so it never resolves to ACCEPTED.
  const read = async <T>(
    request: HttpRequest,
    shape: Shape<T>,
    about: Omit<RequestSubject, 'tokenFromEnv'>,
    attempts: number,
  ) => (await call(request, shape, about, {attempts})) as T

  return {
    createVpnConnection: (space, body, callOptions = {}) =>
      call(
        {body, method: 'POST', path: connectionsPath(space), timeoutMs: callOptions.timeoutMs},
        VPN_CONNECTION,
        {space},
        {attempts: ONE_OFF_ATTEMPTS, checkBeforeResend: callOptions.checkBeforeResend},
      ),
    deleteVpnConnection: (space, name, callOptions = {}) =>
      call(
        {method: 'DELETE', path: connectionPath(space, name), timeoutMs: callOptions.timeoutMs},
        VPN_CONNECTION,
        {connection: name, space},
        {attempts: 1},
      ),
    getSpace: (space, callOptions = {}) =>
      read(
        {method: 'GET', path: `/spaces/${pathSegment(space)}`, timeoutMs: callOptions.timeoutMs},
        SPACE,
        {space},
        callOptions.attempts ?? ONE_OFF_ATTEMPTS,
      ),
    getVpnConnection: (space, name, callOptions = {}) =>
      read(
        {method: 'GET', path: connectionPath(space, name), timeoutMs: callOptions.timeoutMs},
        VPN_CONNECTION,
        {connection: name, space},
        callOptions.attempts ?? ONE_OFF_ATTEMPTS,
      ),
    listVpnConnections: (space, callOptions = {}) =>
      read(
        {method: 'GET', path: connectionsPath(space), timeoutMs: callOptions.timeoutMs},
        VPN_CONNECTIONS,
        {space},
        callOptions.attempts ?? ONE_OFF_ATTEMPTS,
      ),
    updateVpnConnection: (space, name, body, callOptions = {}) =>
      call(
        {body, method: 'PATCH', path: connectionPath(space, name), timeoutMs: callOptions.timeoutMs},
        VPN_CONNECTION,
        {connection: name, space},
        {attempts: callOptions.attempts ?? ONE_OFF_ATTEMPTS},
      ),
  }
}

/** The connection, or undefined when the API says it does not exist (404). */
export async function findVpnConnection(
  api: PlatformApi,
  space: string,
  name: string,
  options?: CallOptions,
): Promise<undefined | VpnConnection> {
  try {
    return await api.getVpnConnection(space, name, options)
  } catch (error) {
    if (isApiNotFound(error)) return undefined
    throw error
  }
}
