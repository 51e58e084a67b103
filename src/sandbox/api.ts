import type {IncomingHttpHeaders} from 'node:http'

import type {SandboxState} from './state.js'

import {type Answer, ApiError, badRequest, parseJsonBody, unknownEndpoint} from './answers.js'
import {newConnectionFrom, routableCidrsFrom} from './validation.js'

export const API_ACCEPT = 'application/vnd.heroku+json; version=3'

export interface ApiRequest {
  readonly method: string
  /** As sent: percent-encoded, without the query. */
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly bodyText: string
}

/** True when one of the accepted media ranges is the Platform API's type with `version=3`. */
export function acceptsApiVersion3(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((range) => {
    const [type = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase())
    return type === 'application/vnd.heroku+json' && parameters.some((parameter) => parameter.replaceAll(' ', '') === 'version=3')
  })
}

/** The path's segments, each percent-decoded on its own, so `a%2Fb` names `a/b` rather than two segments. */
export function pathSegments(path: string): string[] {
  try {
    return path.split('/').slice(1).map((segment) => decodeURIComponent(segment))
  } catch {
    throw badRequest('The request path is not validly percent-encoded.')
  }
}

export interface ApiOutcome {
  readonly answer: Answer
  /** False when the Accept or credential check turned the request away before its endpoint. */
  readonly handled: boolean
}

/** The Platform API's space and VPN-connection endpoints, over the sandbox's state. */
export function createApiHandler(state: SandboxState, apiKey: string): (request: ApiRequest) => ApiOutcome {
  const route = (method: string, segments: readonly string[], bodyText: string): Answer => {
    const [root, space, collection, connection, ...rest] = segments
    if (root !== 'spaces' || space === undefined || rest.length > 0) throw unknownEndpoint()
    if (collection === undefined) {
      if (method === 'GET') return {body: state.getSpace(space), status: 200}
    } else if (collection === 'vpn-connections' && connection === undefined) {
      if (method === 'GET') return {body: state.listConnections(space), status: 200}
      if (method === 'POST') return {body: state.createConnection(space, newConnectionFrom(parseJsonBody(bodyText))), status: 201}
    } else if (collection === 'vpn-connections' && connection !== undefined) {
      if (method === 'GET') return {body: state.getConnection(space, connection), status: 200}
      if (method === 'PATCH') {
        return {body: state.updateConnection(space, connection, routableCidrsFrom(parseJsonBody(bodyText))), status: 200}
      }

      if (method === 'DELETE') return {body: state.deleteConnection(space, connection), status: 202}
    }

    throw unknownEndpoint()
  }

  return (request) => {
    if (!acceptsApiVersion3(request.headers.accept)) {
      const message = `Please specify a version along with Heroku's API MIME type. For example, \`Accept: ${API_ACCEPT}\`.`
      return {answer: new ApiError(406, 'not_acceptable', message).toAnswer(), handled: false}
    }

    if (request.headers.authorization !== `Bearer ${apiKey}`) {
      return {answer: new ApiError(401, 'unauthorized', 'Invalid credentials provided.').toAnswer(), handled: false}
    }

    try {
      return {answer: route(request.method, pathSegments(request.path), request.bodyText), handled: true}
    } catch (error) {
      if (error instanceof ApiError) return {answer: error.toAnswer(), handled: true}
      throw error
    }
  }
}
