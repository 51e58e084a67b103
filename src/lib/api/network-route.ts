import type {Agent} from 'node:http'

import {readdirSync, readFileSync, statSync} from 'node:fs'
import {delimiter, join} from 'node:path'

import {InputError, NOTHING_SENT, OperationError, shortened} from '../errors.js'

type Env = Readonly<Record<string, string | undefined>>

/** Where a proxy came from, and its address without credentials: what messages name. */
export interface ProxyChoice {
  readonly shown: string
  readonly url: URL
  readonly variable: string
}

/** How requests reach the API: through a proxy or not, and which certificate authorities are trusted. */
export interface NetworkRoute {
  readonly agent?: Agent
  /** Set only when SSL_CERT_FILE or SSL_CERT_DIR add authorities; otherwise Node's own store is used as it is. */
  readonly ca?: string[]
  readonly proxy?: ProxyChoice
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const

/** The Heroku CLI's port for a proxy URL without one. */
const DEFAULT_PROXY_PORT = '8080'

const ACCEPTED_PROXY =
  'accepted: http://HOST[:PORT] or https://HOST[:PORT], optionally with USER:PASSWORD@ (a bare HOST[:PORT] means http://)'

function noProxyMatches(target: URL, noProxy: string): boolean {
  const port = target.port || (target.protocol === 'https:' ? '443' : '80')
  const host = target.hostname.replaceAll(/^\[|\]$/g, '').toLowerCase()
  return noProxy
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true
      const [, name = '', entryPort] = /^(.*?)(?::(\d+))?$/.exec(entry.toLowerCase().replaceAll(/^\[|\]$/g, '')) ?? []
      const domain = name.replace(/^\*?\.?/, '')
      if (entryPort !== undefined && entryPort !== port) return false
      return host === domain || host.endsWith(`.${domain}`)
    })
}

/**
 * The proxy for a request to `target`, as the Heroku CLI picks it: HTTPS_PROXY, then HTTP_PROXY, for https; HTTP_PROXY
 * for http; upper case before lower case; none for a host NO_PROXY names (a domain covers its subdomains, `*` all).
 */
export function chooseProxy(target: URL, env: Env): ProxyChoice | undefined {
  const candidates = target.protocol === 'https:' ? PROXY_VARIABLES : PROXY_VARIABLES.slice(2)
  const variable = candidates.find((name) => env[name])
  if (variable === undefined) return undefined
  const noProxy = env.NO_PROXY || env.no_proxy
  if (noProxy && noProxyMatches(target, noProxy)) return undefined
  const value = env[variable]!.trim()
  let url: URL
  try {
    url = new URL(/^[a-z][\w+.-]*:\/\//i.test(value) ? value : `http://${value}`)
  } catch {
    throw new InputError(`${variable} "${redactText(value)}" is not a proxy URL: ${ACCEPTED_PROXY}. ${NOTHING_SENT}`)
  }

  // `http://user:123/ss@host` parses as host `user`, port 123 and a path: credentials with an unencoded / ? or #
  if (`${url.pathname}${url.search}${url.hash}`.includes('@')) {
    throw new InputError(
      `${variable} "${redactText(value)}" has an @ after its host: ${ACCEPTED_PROXY}, where a / ? # or @ in USER or PASSWORD is percent-encoded (%2F %3F %23 %40). ${NOTHING_SENT}`,
    )
  }

  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new InputError(`${variable} "${redact(url)}" is not an HTTP proxy: ${ACCEPTED_PROXY}. ${NOTHING_SENT}`)
  }

  if (!url.port && !/:\d+\/?$/.test(value)) url.port = DEFAULT_PROXY_PORT
  return {shown: redact(url), url, variable}
}

function redact(url: URL): string {
  return `${url.protocol}//${url.username || url.password ? '***@' : ''}${url.host}`
}

/** A proxy value that cannot be read as a URL, for messages: whatever stands before its last @ may be credentials. */
function redactText(value: string): string {
  const scheme = /^[a-z][\w+.-]*:\/\//i.exec(value)?.[0] ?? ''
  const at = value.lastIndexOf('@')
  return at < scheme.length ? shortened(value) : `${scheme}***@${shortened(value.slice(at + 1))}`
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

/**
 * The certificates SSL_CERT_FILE and SSL_CERT_DIR name (each folder's files, as OpenSSL's hashed folders hold them).
 * Read synchronously: nothing else runs yet, and a folder such as /etc/ssl/certs holds hundreds of files, which one
 * promise after another made several times slower to read.
 */
function extraCertificates(env: Env): string[] {
  const certificates: string[] = []
  if (env.SSL_CERT_FILE) {
    let found: string[]
    try {
      found = readPem(env.SSL_CERT_FILE)
    } catch (error) {
      throw new InputError(
        `SSL_CERT_FILE "${env.SSL_CERT_FILE}" cannot be read (${errorCode(error)}): it must name a file of PEM certificates. ${NOTHING_SENT}`,
      )
    }

    if (found.length === 0)
      throw new InputError(
        `SSL_CERT_FILE "${env.SSL_CERT_FILE}" holds no PEM certificate (-----BEGIN CERTIFICATE-----). ${NOTHING_SENT}`,
      )
    certificates.push(...found)
  }

  for (const dir of (env.SSL_CERT_DIR ?? '').split(delimiter).filter(Boolean)) {
    let files: string[]
    try {
      files = readdirSync(dir)
    } catch (error) {
      throw new InputError(
        `SSL_CERT_DIR "${dir}" cannot be read (${errorCode(error)}): it must name folders of PEM certificates. ${NOTHING_SENT}`,
      )
    }

    const found = files.flatMap((name) => {
      try {
        const file = join(dir, name)
        return statSync(file).isFile() ? readPem(file) : []
      } catch {
        return []
      }
    })
    if (found.length === 0) throw new InputError(`SSL_CERT_DIR "${dir}" holds no PEM certificate. ${NOTHING_SENT}`)
    certificates.push(...found)
  }

  return certificates
}

function readPem(file: string): string[] {
  return readFileSync(file, 'utf8').match(PEM_CERTIFICATE) ?? []
}

function errorCode(error: unknown): string {
  const {code, message} = error as NodeJS.ErrnoException
  return code ?? message
}

/**
 * The route to `target`. Nothing is loaded when no proxy or CA variable applies, so that the usual start pays nothing;
 * the proxy agents are loaded only for a proxy, and the certificates only where TLS is spoken (to the API or the proxy).
 */
export async function networkRoute(target: URL, env: Env): Promise<NetworkRoute> {
  const proxy = chooseProxy(target, env)
  const speaksTls = target.protocol === 'https:' || proxy?.url.protocol === 'https:'
  const extra = speaksTls && (env.SSL_CERT_FILE || env.SSL_CERT_DIR) ? extraCertificates(env) : []
  let ca: string[] | undefined
  if (extra.length > 0) {
    // A `ca` option replaces Node's store: its roots and NODE_EXTRA_CA_CERTS are added back.
    const {rootCertificates} = await import('node:tls')
    let nodeExtra: string[] = []
    try {
      nodeExtra = env.NODE_EXTRA_CA_CERTS ? extraCertificates({SSL_CERT_FILE: env.NODE_EXTRA_CA_CERTS}) : []
    } catch {}

    ca = [...rootCertificates, ...nodeExtra, ...extra]
  }

  if (!proxy) return ca ? {ca} : {}
  const agentOptions = ca ? {ca} : {}
  const agent =
    target.protocol === 'https:'
      ? new (await import('https-proxy-agent')).HttpsProxyAgent(proxy.url, agentOptions)
      : new (await import('http-proxy-agent')).HttpProxyAgent(proxy.url, agentOptions)
  return {agent, ca, proxy}
}

const PROXY_UNREACHABLE = new Set(['EAI_AGAIN', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND'])

/** The proxy did not answer: trying again will not mend it. */
export class ProxyUnreachableError extends OperationError {
  constructor(
    readonly proxy: ProxyChoice,
    detail: string,
  ) {
    super(`Could not reach the proxy ${proxy.shown} (from ${proxy.variable}): ${detail}.`)
  }
}

/** The proxy answered 407: it wants credentials that were not given, or refused the ones given. */
export class ProxyAuthenticationError extends OperationError {
  constructor(readonly proxy: ProxyChoice) {
    const problem =
      proxy.url.username || proxy.url.password
        ? 'did not accept the user name and password given in it'
        : 'asks for a user name and password, and none are given'
    super(`The proxy ${proxy.shown} (from ${proxy.variable}) ${problem} (HTTP 407 Proxy Authentication Required).`)
  }
}

/**
 * The error for a request that failed at the proxy it went through; undefined for any other failure, which is left
 * to the caller (an untrusted certificate is transport.ts's TlsCertificateError).
 */
export function proxyFailure(
  error: NodeJS.ErrnoException & {hostname?: string; port?: number},
  route: NetworkRoute | undefined,
): ProxyUnreachableError | undefined {
  const code = error.code ?? ''
  const proxy = route?.proxy?.url
  const atProxy = proxy && (error.port === Number(proxy.port) || error.hostname === proxy.hostname)
  if (route?.proxy && atProxy && PROXY_UNREACHABLE.has(code))
    return new ProxyUnreachableError(route.proxy, error.message)
  return undefined
}
