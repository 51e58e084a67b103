import {type Answer, ApiError, badRequest, InvalidControlInput} from './answers.js'
import {ADMIN_PREFIX, answerByRoute, pathSegments, type RouteContext} from './routes.js'

/** The `/__sandbox` endpoints, a thin HTTP face over the control: no API key, and a bad control input is a 400. */
export function createAdminHandler(context: RouteContext): (method: string, path: string, bodyText: string) => Answer {
  return (method, path, bodyText) => {
    try {
      // `/__sandbox/` has always been the overview as well.
      const answer = answerByRoute(context, method, path === `${ADMIN_PREFIX}/` ? ADMIN_PREFIX : path, bodyText)
      if (answer) return answer
      const endpoint = `${ADMIN_PREFIX}/${pathSegments(path).slice(1).join('/')}`
      throw new ApiError(
        404,
        'not_found',
        `No sandbox admin endpoint ${method} ${endpoint}: GET ${ADMIN_PREFIX} lists them.`,
      )
    } catch (error) {
      if (error instanceof ApiError) return error.toAnswer()
      if (error instanceof InvalidControlInput) return badRequest(error.message).toAnswer()
      throw error
    }
  }
}
