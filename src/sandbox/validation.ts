import {isIPv4} from 'node:net'

import type {ExistingConnection, NewConnection} from './state.js'

import {invalidParams} from './answers.js'

function fieldsOf(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidParams('The request body must be a JSON object.')
  }

  return body as Record<string, unknown>
}

function routableCidrProblem(value: unknown): string | undefined {
  const valid =
    Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string' && item.trim() !== '')
  return valid ? undefined : 'routable_cidrs must be a non-empty array of strings.'
}

function rejectIfAny(problems: ReadonlyArray<string | undefined>): void {
  const found = problems.filter((problem) => problem !== undefined)
  if (found.length > 0) throw invalidParams(found.join(' '))
}

/** The basic checks on a create body; the real API's finer rules are not known, so only shapes are checked. */
export function newConnectionFrom(body: unknown): NewConnection {
  const fields = fieldsOf(body)
  const {name, public_ip: publicIp, routable_cidrs: routableCidrs} = fields
  rejectIfAny([
    typeof name === 'string' && name.trim() !== '' ? undefined : 'name must be a non-empty string.',
    typeof publicIp === 'string' && isIPv4(publicIp) ? undefined : 'public_ip must be an IPv4 address.',
    routableCidrProblem(routableCidrs),
  ])
  return {name: name as string, publicIp: publicIp as string, routableCidrs: routableCidrs as string[]}
}

function tunnelsProblem(value: unknown): string | undefined {
  const valid =
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((tunnel: unknown) => {
      const fields = typeof tunnel === 'object' && tunnel !== null ? (tunnel as Record<string, unknown>) : {}
      return (
        typeof fields.ip === 'string' &&
        isIPv4(fields.ip) &&
        typeof fields.pre_shared_key === 'string' &&
        fields.pre_shared_key !== ''
      )
    })
  return valid
    ? undefined
    : 'tunnels must be two objects, each {ip: an IPv4 address, pre_shared_key: a non-empty string}.'
}

/** The body of an admin put: a connection with the tunnels its gateway already has. */
export function existingConnectionFrom(name: string, body: unknown): ExistingConnection {
  const fields = fieldsOf(body)
  const {id, public_ip: publicIp, routable_cidrs: routableCidrs, tunnels} = fields
  rejectIfAny([
    id === undefined || (typeof id === 'string' && id.trim() !== '') ? undefined : 'id must be a non-empty string.',
    typeof publicIp === 'string' && isIPv4(publicIp) ? undefined : 'public_ip must be an IPv4 address.',
    routableCidrProblem(routableCidrs),
    tunnelsProblem(tunnels),
  ])
  return {
    id: id as string | undefined,
    name,
    publicIp: publicIp as string,
    routableCidrs: routableCidrs as string[],
    tunnels: (tunnels as Array<{ip: string; pre_shared_key: string}>).map((tunnel) => ({
      ip: tunnel.ip,
      preSharedKey: tunnel.pre_shared_key,
    })),
  }
}

export function routableCidrsFrom(body: unknown): readonly string[] {
  const {routable_cidrs: routableCidrs} = fieldsOf(body)
  rejectIfAny([routableCidrProblem(routableCidrs)])
  return routableCidrs as string[]
}
