import {createServer} from 'node:http'

import {listen} from './network.js'

export interface CannedRequest {
  /** When it arrived (Unix ms). */
  readonly at: number
  readonly method: string
  readonly path: string
}

export interface CannedApi {
  close(): Promise<void>
  /** HEROKU_HOST and HEROKU_API_KEY for a process that should talk to it. */
  readonly env: {readonly HEROKU_API_KEY: string; readonly HEROKU_HOST: string}
  readonly requests: CannedRequest[]
}

/**
 * A stand-in for the Platform API that answers as the Heroku CLI's own unit tests stub it with nock: each
 * `METHOD /path` gets its answers in turn, and the last one again after that; anything else is a 404.
 */
export async function startCannedApi(answers: Readonly<Record<string, readonly unknown[]>>): Promise<CannedApi> {
  const requests: CannedRequest[] = []
  const served = new Map<string, number>()
  const server = createServer((request, response) => {
    const key = `${request.method} ${request.url}`
    requests.push({at: Date.now(), method: request.method ?? '', path: request.url ?? ''})
    const bodies = answers[key]
    const count = served.get(key) ?? 0
    served.set(key, count + 1)
    const [status, body] =
      bodies === undefined
        ? [404, {id: 'not_found', message: `Nothing is canned for ${key}.`}]
        : [200, bodies[Math.min(count, bodies.length - 1)]]
    response.writeHead(status, {'Content-Type': 'application/json'}).end(JSON.stringify(body))
  })
  const {close, port} = await listen(server)
  return {
    close,
    env: {HEROKU_API_KEY: 'canned-api-key', HEROKU_HOST: `http://127.0.0.1:${port}`},
    requests,
  }
}
