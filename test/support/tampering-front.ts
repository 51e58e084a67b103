import {createServer, request as httpRequest, type IncomingMessage, type ServerResponse} from 'node:http'

import {listen} from './network.js'

/** An answer given on purpose, in place of the sandbox's or after it. */
export interface BadReply {
  readonly body?: string
  /** Keeps sending body bytes until the client goes away. */
  readonly endless?: boolean
  readonly headers?: Readonly<Record<string, string>>
  readonly status: number
}

export interface Tampering {
  /** The request is carried out by the sandbox first, and its answer is replaced (as when a proxy mangles it). */
  readonly after?: boolean
  readonly reply: BadReply
}

/** Which requests to answer badly, by method and path; undefined passes the request on to the sandbox. */
export type TamperRule = (request: {readonly method: string; readonly path: string}) => Tampering | undefined

export interface TamperingFront {
  close(): Promise<void>
  /** `METHOD path` of every request that reached the front, in order. */
  readonly log: string[]
  rule: TamperRule
  readonly url: string
}

function send(response: ServerResponse, reply: BadReply): void {
  response.writeHead(reply.status, reply.headers)
  if (!reply.endless) {
    response.end(reply.body ?? '')
    return
  }

  const chunk = Buffer.alloc(64 * 1024, 'x')
  const pump = () => {
    while (!response.destroyed && response.write(chunk));
  }

  response.on('drain', pump)
  pump()
}

/**
 * An HTTP front for the sandbox on 127.0.0.1 that answers some requests badly on purpose: the rest, and every
 * request a rule asks to be carried out first, go to the sandbox.
 */
export async function startTamperingFront(
  backend: string,
  rule: TamperRule = () => undefined,
): Promise<TamperingFront> {
  const log: string[] = []
  const front = {log, rule}
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const entry = {method: request.method ?? 'GET', path: request.url ?? '/'}
    log.push(`${entry.method} ${entry.path}`)
    const tampering = front.rule(entry)
    if (tampering && !tampering.after) {
      request.resume()
      send(response, tampering.reply)
      return
    }

    const target = new URL(entry.path, backend)
    const upstream = httpRequest(target, {headers: request.headers, method: entry.method}, (answer) => {
      if (tampering) {
        answer.resume()
        answer.on('end', () => send(response, tampering.reply))
        return
      }

      response.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(response)
    })
    upstream.on('error', () => response.writeHead(502).end())
    request.pipe(upstream)
  })
  const {close, port} = await listen(server)
  return Object.assign(front, {close, url: `http://127.0.0.1:${port}`})
}
