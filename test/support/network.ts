import {execFileSync} from 'node:child_process'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import {type AddressInfo, connect, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/*
 * Real network pieces on 127.0.0.1 for the end-to-end tests: a forward proxy (CONNECT tunnels and absolute-form
 * requests, as corporate proxies take them) and an HTTPS front for the sandbox with a self-signed certificate.
 */

export interface Listening {
  close(): Promise<void>
  readonly port: number
  readonly url: string
}

/** Listens on a free port of 127.0.0.1; close() ends open connections too. */
export async function listen(server: Server): Promise<{close: () => Promise<void>; port: number}> {
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const {port} = server.address() as AddressInfo
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
    port,
  }
}

export interface LoggingProxy extends Listening {
  /** One line per request: `CONNECT host:port` or `GET http://host:port/path`, and whether it carried credentials. */
  readonly log: string[]
}

function forward(req: IncomingMessage, res: ServerResponse, target: URL): void {
  const upstream = httpRequest(target, {headers: {...req.headers, host: target.host}, method: req.method}, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers)
    answer.pipe(res)
  })
  upstream.on('error', () => res.writeHead(502).end())
  req.pipe(upstream)
}

export async function startLoggingProxy(): Promise<LoggingProxy> {
  const log: string[] = []
  const server = createHttpServer((req, res) => {
    log.push(`${req.method} ${req.url}${req.headers['proxy-authorization'] ? ' (with credentials)' : ''}`)
    forward(req, res, new URL(req.url ?? '/'))
  })
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    log.push(`CONNECT ${req.url}${req.headers['proxy-authorization'] ? ' (with credentials)' : ''}`)
    const [host, port] = (req.url ?? '').split(':')
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'))
    client.on('error', () => upstream.destroy())
  })
  const {close, port} = await listen(server)
  return {close, log, port, url: `http://127.0.0.1:${port}`}
}

export interface SelfSignedCertificate {
  readonly cert: string
  readonly certFile: string
  readonly dir: string
  readonly key: string
  remove(): Promise<void>
}

/** A certificate for 127.0.0.1 that no one trusts until told to, made with openssl. */
export async function makeSelfSignedCertificate(): Promise<SelfSignedCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'self-signed-'))
  const [keyFile, certFile] = [join(dir, 'key.pem'), join(dir, 'cert.pem')]
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    {stdio: 'ignore'},
  )
  return {
    cert: await readFile(certFile, 'utf8'),
    certFile,
    dir,
    key: await readFile(keyFile, 'utf8'),
    remove: () => rm(dir, {force: true, recursive: true}),
  }
}

export interface TlsFront extends Listening {
  /** TLS connections made to it, handshakes that failed included. */
  connections: number
}

/** https://127.0.0.1:PORT in front of an http:// server, with the given certificate. */
export async function startTlsFront(backend: string, certificate: SelfSignedCertificate): Promise<TlsFront> {
  const server = createHttpsServer({cert: certificate.cert, key: certificate.key}, (req, res) =>
    forward(req, res, new URL(req.url ?? '/', backend)),
  )
  const front = {connections: 0}
  server.on('connection', () => front.connections++)
  const {close, port} = await listen(server)
  return Object.assign(front, {close, port, url: `https://127.0.0.1:${port}`})
}

/**
 * http://127.0.0.1:PORT in front of an http:// server, holding the requests `hold` picks until `count` of them have
 * arrived, then passing them all on: clients that race through it see the same state, whatever their start-up took.
 */
export async function startBarrierFront(
  backend: string,
  hold: (request: IncomingMessage) => boolean,
  count: number,
): Promise<Listening> {
  const held: Array<() => void> = []
  const server = createHttpServer((req, res) => {
    const pass = () => forward(req, res, new URL(req.url ?? '/', backend))
    if (held.length >= count || !hold(req)) {
      pass()
      return
    }

    held.push(pass)
    if (held.length === count) for (const release of held) release()
  })
  const {close, port} = await listen(server)
  return {close, port, url: `http://127.0.0.1:${port}`}
}

/** A port on 127.0.0.1 that nothing listens on. */
export async function closedPort(): Promise<number> {
  const {close, port} = await listen(createHttpServer())
  await close()
  return port
}
