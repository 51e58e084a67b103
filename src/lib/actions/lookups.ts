import type {PlatformApi} from '../api/client.js'
import type {ConnectionTarget, SpaceInfo, VpnConnection} from '../api/types.js'

import {isApiNotFound} from '../api/errors.js'
import {InputError, type NothingDone} from '../errors.js'
import {LIST_SPACES_ADVICE, listConnectionsAdvice} from '../ui/advice.js'

/**
 * A space or connection that does not exist. Every command reports it with the same exit code as other wrong
 * input (2): the name given names nothing, and nothing was changed.
 */
class NotFoundError extends InputError {}

export function isNotFound(error: unknown): boolean {
  return error instanceof NotFoundError || isApiNotFound(error)
}

export function spaceNotFound(space: string, outcome?: NothingDone): NotFoundError {
  const tail = outcome === undefined ? '' : ` ${outcome}`
  return new NotFoundError(`Space "${space}" was not found, or you have no access to it.${tail}`, [LIST_SPACES_ADVICE])
}

export function connectionNotFound(target: ConnectionTarget): NotFoundError {
  return new NotFoundError(`VPN connection "${target.name}" was not found in space "${target.space}".`, [
    listConnectionsAdvice(target.space),
  ])
}

/**
 * What a 404 on a connection's path means: the API answers the same for a missing space and a missing connection,
 * so the space is looked up to tell them apart. Other errors are returned as they are.
 */
export async function explainNotFound(api: PlatformApi, target: ConnectionTarget, error: unknown): Promise<unknown> {
  if (!isApiNotFound(error)) return error
  try {
    await api.getSpace(target.space, {attempts: 1})
  } catch (spaceError) {
    if (isApiNotFound(spaceError)) return spaceNotFound(target.space)
  }

  return connectionNotFound(target)
}

/** GETs the connection, which must exist: a 404 throws, saying which of the space and the connection is missing. */
export async function requireConnection(api: PlatformApi, target: ConnectionTarget): Promise<VpnConnection> {
  try {
    return await api.getVpnConnection(target.space, target.name)
  } catch (error) {
    throw await explainNotFound(api, target, error)
  }
}

/** The space a change is about to be made in, which must exist: a space that does not is the user's input gone wrong. */
export async function requireSpace(api: PlatformApi, space: string, outcome: NothingDone): Promise<SpaceInfo> {
  try {
    return await api.getSpace(space)
  } catch (error) {
    throw isApiNotFound(error) ? spaceNotFound(space, outcome) : error
  }
}
