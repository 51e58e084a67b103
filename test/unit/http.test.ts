import type {AddressInfo} from 'node:net'

import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {afterEach, describe, expect, it} from 'vitest'

import {pathSegment} from '../../src/lib/api/client.js'
import {createTransport, MAX_ANSWER_BYTES, NetworkError} from '../../src/lib/api/transport.js'
import {rejection} from '../support/fixtures.js'

let server: Server | undefined

async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  server = createServer(handler)
  await new Promise<void>((resolve) => {
    server!.listen(0, '127.0.0.1', resolve)
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => {
    server?.close(resolve)
  })
  server = undefined
})

function transportFor(baseUrl: string) {
  return createTransport({baseUrl, token: async () => 'secret-token', userAgent: 'test'})
}

describe('the HTTP transport, over real loopback HTTP', () => {
  it('sends encoded dot segments as they are, never as a parent step', async () => {
    const seen: string[] = []
    const url = await serve((request, response) => {
      seen.push(request.url ?? '')
      response.end('{}')
    })
    await transportFor(url)({method: 'GET', path: `/spaces/${pathSegment('a/b')}/vpn-connections/${pathSegment('..')}`})
    expect(seen).toEqual(['/spaces/a%2Fb/vpn-connections/%2E%2E'])
  })

  it('hands the answer on as text, for the client to decode', async () => {
    const url = await serve((request, response) => {
      response.setHeader('Request-Id', 'abc')
      response.end(request.url === '/json' ? '{"a":1}' : 'plain words')
    })
    const transport = transportFor(url)
    await expect(transport({method: 'GET', path: '/json'})).resolves.toMatchObject({status: 200, text: '{"a":1}'})
    await expect(transport({method: 'GET', path: '/text'})).resolves.toMatchObject({text: 'plain words'})
  })

  it.each([
    [
      'an endless body',
      (response: ServerResponse) => {
        response.writeHead(200)
        const chunk = Buffer.alloc(64 * 1024, 'x')
        const pump = () => {
          while (!response.destroyed && response.write(chunk));
        }

        response.on('drain', pump)
        pump()
      },
    ],
    [
      'a body declared larger than the cap',
      (response: ServerResponse) => {
        response.writeHead(200, {'Content-Length': String(MAX_ANSWER_BYTES + 1)})
        response.write('{')
      },
    ],
  ])('stops reading %s at MAX_ANSWER_BYTES', async (_case, answer) => {
    const url = await serve((_request, response) => answer(response))
    const started = Date.now()
    const response = await transportFor(url)({method: 'GET', path: '/'})
    expect(response.tooLarge).toBe(true)
    expect(response.text.length).toBeLessThanOrEqual(MAX_ANSWER_BYTES)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('gives up on a silent server after the request timeout', async () => {
    const url = await serve(() => {})
    const error = await rejection(transportFor(url)({method: 'GET', path: '/slow', timeoutMs: 200}))
    expect(error).toBeInstanceOf(NetworkError)
    expect((error as NetworkError).code).toBe('ETIMEDOUT')
    expect((error as NetworkError).message).toContain('no complete answer within 200 ms')
  })

  it('gives up on a server that trickles its answer, after the request timeout in all', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(200, {'Content-Length': '1000'})
      const ticker = setInterval(() => response.write(' '), 30)
      response.on('close', () => clearInterval(ticker))
    })
    const started = Date.now()
    const error = await rejection(transportFor(url)({method: 'GET', path: '/trickle', timeoutMs: 300}))
    expect(Date.now() - started).toBeLessThan(1000)
    expect(error).toBeInstanceOf(NetworkError)
    expect((error as NetworkError).code).toBe('ETIMEDOUT')
  })

  it('reports an answer cut off half way as a dropped connection', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(200, {'Content-Length': '100'})
      response.write('{"half":')
      setTimeout(() => response.socket?.destroy(), 20)
    })
    const error = await rejection(transportFor(url)({method: 'GET', path: '/'}))
    expect(error).toBeInstanceOf(NetworkError)
    expect((error as NetworkError).code).toBe('ECONNRESET')
  })

  it('reports a refused connection', async () => {
    const url = await serve(() => {})
    server!.close()
    await new Promise((resolve) => {
      setTimeout(resolve, 10)
    })
    const error = await rejection(transportFor(url)({method: 'GET', path: '/'}))
    expect((error as NetworkError).code).toBe('ECONNREFUSED')
  })

  it('never writes the token or bodies to the debug log', async () => {
    const lines: string[] = []
    const url = await serve((_request, response) => response.end('{"pre_shared_key":"very-secret"}'))
    const transport = createTransport({
      baseUrl: url,
      debug: (line) => lines.push(line),
      token: async () => 'secret-token',
      userAgent: 'test',
    })
    await transport({body: {name: 'office'}, method: 'POST', path: '/spaces/acme/vpn-connections'})
    expect(lines).toEqual([expect.stringMatching(/^POST \/spaces\/acme\/vpn-connections -> 200 in \d+ ms/)])
    expect(lines.join(',')).not.toMatch(/secret|office/)
  })
})
