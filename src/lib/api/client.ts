import type {HttpRequest, Transport} from './transport.js'
import type {CreateVpnConnectionBody, SpaceInfo, UpdateVpnConnectionBody, VpnConnection} from './types.js'

import {PlatformApiError, platformApiError, type RequestSubject} from './errors.js'
import {ONE_OFF_ATTEMPTS, withRetries} from './retry.js'

export interface CallOptions {
  /** How many times to try; only requests that are safe to repeat take more than 1. */
  readonly attempts?: number
  readonly timeoutMs?: number
}

/** The Platform API endpoints this plugin uses: one function per endpoint. */
export interface PlatformApi {
  /** Sent again after a transient failure only when `checkBeforeResend` finds that the lost create made nothing. */
  createVpnConnection(space: string, body: CreateVpnConnectionBody, options?: CreateOptions): Promise<VpnConnection>
  /** Never repeated on its own: a second DELETE after a lost answer would report "not found". */
  deleteVpnConnection(space: string, name: string, options?: Omit<CallOptions, 'attempts'>): Promise<VpnConnection>
  getSpace(space: string, options?: CallOptions): Promise<SpaceInfo>
  getVpnConnection(space: string, name: string, options?: CallOptions): Promise<VpnConnection>
  listVpnConnections(space: string, options?: CallOptions): Promise<readonly VpnConnection[]>
  updateVpnConnection(
    space: string,
    name: string,
    body: UpdateVpnConnectionBody,
    options?: CallOptions,
  ): Promise<VpnConnection>
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
    subject: Omit<RequestSubject, 'tokenFromEnv'>,
    attempts: number,
    checkBeforeResend?: (error: unknown) => Promise<T | undefined>,
  ) =>
    withRetries(
      async () => {
        const response = await options.transport(request)
        if (response.status >= 200 && response.status < 300) return response.body as T
        throw platformApiError(response, {...subject, tokenFromEnv: options.tokenFromEnv})
      },
      {attempts, checkBeforeResend, method: request.method, onRetry: options.onRetry, sleep: options.sleep},
    )

  return {
    createVpnConnection: (space, body, callOptions = {}) =>
      call(
        {body, method: 'POST', path: connectionsPath(space), timeoutMs: callOptions.timeoutMs},
        {space},
        ONE_OFF_ATTEMPTS,
        callOptions.checkBeforeResend,
      ),
    deleteVpnConnection: (space, name, callOptions = {}) =>
      call(
        {method: 'DELETE', path: connectionPath(space, name), timeoutMs: callOptions.timeoutMs},
        {connection: name, space},
        1,
      ),
    getSpace: (space, callOptions = {}) =>
      call(
        {method: 'GET', path: `/spaces/${pathSegment(space)}`, timeoutMs: callOptions.timeoutMs},
        {space},
        callOptions.attempts ?? ONE_OFF_ATTEMPTS,
      ),
    getVpnConnection: (space, name, callOptions = {}) =>
      call(
        {method: 'GET', path: connectionPath(space, name), timeoutMs: callOptions.timeoutMs},
        {connection: name, space},
        callOptions.attempts ?? ONE_OFF_ATTEMPTS,
      ),
    listVpnConnections: (space, callOptions = {}) =>
      call(
        {method: 'GET', path: connectionsPath(space), timeoutMs: callOptions.timeoutMs},
        {space},
        callOptions.attempts ?? ONE_OFF_ATTEMPTS,
      ),
    updateVpnConnection: (space, name, body, callOptions = {}) =>
      call(
        {body, method: 'PATCH', path: connectionPath(space, name), timeoutMs: callOptions.timeoutMs},
        {connection: name, space},
        callOptions.attempts ?? ONE_OFF_ATTEMPTS,
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
    if (error instanceof PlatformApiError && error.status === 404) return undefined
    throw error
  }
}
