import type {IncomingHttpHeaders} from 'node:http'

import type {Answer} from './answers.js'

import {ApiError, unknownEndpoint} from './answers.js'
import {answerByRoute, type RouteContext} from './routes.js'

export const API_ACCEPT = 'application/vnd.heroku+json; version=3'

export interface ApiRequest {
  readonly bodyText: string
  readonly headers: IncomingHttpHeaders
  readonly method: string
  /** As sent: percent-encoded, without the query. */
  readonly path: string
}

/** True when one of the accepted media ranges is the Platform API's type with `version=3`. */
export function acceptsApiVersion3(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((range) => {
    const [type = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase())
    return (
      type === 'application/vnd.heroku+json' &&
      parameters.some((parameter) => parameter.replaceAll(' ', '') === 'version=3')
    )
  })
}

export interface ApiOutcome {
  readonly answer: Answer
  /** False when the Accept or credential check turned the request away before its endpoint. */
  readonly handled: boolean
}

/** The Platform API's space and VPN-connection endpoints: the Accept header and the key first, then the routes. */
export function createApiHandler(context: RouteContext, apiKey: string): (request: ApiRequest) => ApiOutcome {
  return (request) => {
    if (!acceptsApiVersion3(request.headers.accept)) {
      const message = `Please specify a version along with Heroku's API MIME type. For example, \`Accept: ${API_ACCEPT}\`.`
      return {answer: new ApiError(406, 'not_acceptable', message).toAnswer(), handled: false}
    }

    if (request.headers.authorization !== `Bearer ${apiKey}`) {
      return {answer: new ApiError(401, 'unauthorized', 'Invalid credentials provided.').toAnswer(), handled: false}
    }

    try {
      const answer = answerByRoute(context, request.method, request.path, request.bodyText)
      return {answer: answer ?? unknownEndpoint().toAnswer(), handled: true}
    } catch (error) {
      if (error instanceof ApiError) return {answer: error.toAnswer(), handled: true}
      throw error
    }
  }
}
