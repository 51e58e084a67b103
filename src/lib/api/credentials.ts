import {accessSync, constants, existsSync, statSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {homedir, tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
// eslint-disable-next-line n/no-deprecated-api -- the legacy parser on purpose, as @heroku-cli/command reads HEROKU_HOST
import {parse as parseLegacyUrl} from 'node:url'

import type {Env} from '../env.js'

import {InputError, NOTHING_SENT, OperationError, shortened} from '../errors.js'
import {netrcFile, type NetrcLocationInput, parseNetrc} from './netrc.js'

/** Hosts @heroku-cli/command lets HEROKU_HOST point at; any other value falls back to heroku.com. */
const ALLOWED_HEROKU_DOMAINS = ['heroku.com', 'herokai.com', 'herokuspace.com', 'herokudev.com'] as const
const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1']

/** The host name requests for a HEROKU_HOST value go to, parsed as the request's URL is; undefined when unparsable. */
function hostNameOf(host: string): string | undefined {
  const url = host.startsWith('http') ? host : `https://${host}`
  return URL.canParse(url) ? new URL(url).hostname : undefined
}

const isHerokuDomain = (name: string) =>
  ALLOWED_HEROKU_DOMAINS.some((domain) => name === domain || name.endsWith(`.${domain}`))

/**
 * The text check of @heroku-cli/command, and the parsed host name must pass it too: the text alone lets
 * `http://127.0.0.2/#.heroku.com` and `http://127.0.0.2/127.0.0.1` through, and the API key would go to 127.0.0.2.
 */
function isAllowedHost(host: string): boolean {
  const bare = host.replace(/^https?:\/\//, '')
  const name = hostNameOf(host)
  if (name === undefined) return false
  if (isHerokuDomain(bare)) return isHerokuDomain(name)
  return LOOPBACK_HOSTS.some((loopback) => bare.includes(loopback)) && LOOPBACK_HOSTS.includes(name)
}

/** HEROKU_HOST when it is allowed, else heroku.com: @heroku-cli/command's `vars.host`. */
function herokuHost(env: Env): string {
  const host = env.HEROKU_HOST
  return host && isAllowedHost(host) ? host : 'heroku.com'
}

const DEFAULT_API_URL = 'https://api.heroku.com'
const ALLOWED_HOSTS = `a host name under ${ALLOWED_HEROKU_DOMAINS.join(', ')}, or ${LOOPBACK_HOSTS.join(' or ')} in an http(s) URL`

export interface ApiEndpoint {
  readonly baseUrl: string
  /** Set when HEROKU_HOST was ignored, to be shown as a warning. */
  readonly warning?: string
}

/**
 * The API's base URL, resolved from HEROKU_HOST as @heroku-cli/command's `vars.apiUrl` does (a test holds the two
 * together), without importing it: that import alone costs about half a second. Where they differ: a malformed URL
 * is refused, and the allowed hosts are decided on the parsed host name.
 */
export function apiEndpoint(env: Env): ApiEndpoint {
  const host = env.HEROKU_HOST
  if (host && host.trim() !== host) throw new HerokuHostError(host, 'has spaces or line breaks around it')
  const effective = herokuHost(env)
  const baseUrl = effective.startsWith('http') ? effective : `https://api.${effective}`
  if (!URL.canParse(baseUrl) || (host?.startsWith('http') && !URL.canParse(host)))
    throw new HerokuHostError(host!, 'is not a valid host or URL')
  if (host && effective !== host) {
    return {
      baseUrl: DEFAULT_API_URL,
      warning: `HEROKU_HOST "${shortened(host)}" is not an API host this program sends the key to (${ALLOWED_HOSTS}): using ${DEFAULT_API_URL}.`,
    }
  }

  const {protocol} = new URL(baseUrl)
  if (protocol !== 'http:' && protocol !== 'https:')
    throw new HerokuHostError(host!, `uses ${protocol.replace(':', '')}, not http or https`)
  return {baseUrl}
}

/** What HEROKU_HOST takes, for the message when it is malformed. */
const HEROKU_HOST_RULE = `a host name under ${ALLOWED_HEROKU_DOMAINS.join(', ')}, or an http(s) URL with a port from 1 to 65535, e.g. http://127.0.0.1:5000`

/** HEROKU_HOST cannot be used as it is. */
export class HerokuHostError extends InputError {
  constructor(
    readonly host: string,
    problem: string,
  ) {
    super(`HEROKU_HOST ${JSON.stringify(shortened(host))} ${problem}: it takes ${HEROKU_HOST_RULE}. ${NOTHING_SENT}`)
  }
}

/** The key from HEROKU_API_KEY without the whitespace around it (a line break from a file); undefined when unset or blank. */
function apiKeyFromEnv(env: Env): string | undefined {
  const key = env.HEROKU_API_KEY?.trim()
  if (!key) return undefined
  if (/[^\u0021-\u007E]/.test(key)) {
    throw new InputError(
      `HEROKU_API_KEY contains spaces or characters that cannot be sent in an HTTP header: it takes one API key, e.g. from \`heroku authorizations:create\`. ${NOTHING_SENT}`,
    )
  }

  return key
}

/** The netrc machine holding the token for the API host: @heroku-cli/command's `vars.apiHost`. */
export function netrcMachineName(env: Env): string {
  const host = herokuHost(env)
  // The legacy parser, as @heroku-cli/command's: it keeps an explicit default port (:443), which URL drops.
  const parsed = host.startsWith('http') ? parseLegacyUrl(host).host : null
  return parsed || `api.${host}`
}

const CREDENTIAL_STORES = {
  darwin: 'macOS Keychain',
  linux: 'Secret Service (secret-tool)',
  win32: 'Windows Credential Manager',
} as const satisfies Partial<Record<NodeJS.Platform, string>>

export type CredentialStoreName = (typeof CREDENTIAL_STORES)[keyof typeof CREDENTIAL_STORES]

/** What the credential lookup reads from the machine, handed in so that tests can stand in for any platform. */
export interface CredentialHost extends NetrcLocationInput {
  /** oclif's data directory, where `heroku login` records the account whose token is in the OS credential store. */
  readonly dataDir: string | undefined
  readonly isOnPath: (program: string) => boolean
  /** The file's text, or undefined when it does not exist. */
  readonly readFile: (path: string) => Promise<string | undefined>
}

/**
 * The choice of store of `@heroku-cli/command` 13: none with HEROKU_NETRC_WRITE=true; else the platform's own (on Linux only
 * when `secret-tool` is on the PATH).
 */
export function credentialStore(
  host: Pick<CredentialHost, 'env' | 'isOnPath' | 'platform'>,
): CredentialStoreName | undefined {
  if (host.env.HEROKU_NETRC_WRITE?.toLowerCase() === 'true') return undefined
  if (host.platform === 'linux') return host.isOnPath('secret-tool') ? CREDENTIAL_STORES.linux : undefined
  return host.platform === 'darwin' || host.platform === 'win32' ? CREDENTIAL_STORES[host.platform] : undefined
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** This process's machine; `isOnPath` looks through PATH as `which` does, without starting it. */
export function processCredentialHost(dataDir: string | undefined): CredentialHost {
  return {
    dataDir,
    env: process.env,
    exists: existsSync,
    homedir,
    isOnPath: (program) =>
      (process.env.PATH ?? '').split(delimiter).some((dir) => isExecutableFile(join(dir || '.', program))),
    platform: process.platform,
    readFile: (path) =>
      readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined
        throw error
      }),
    tmpdir,
  }
}

export type StoredCredentials =
  | {readonly file: string; readonly kind: 'netrc'; readonly machine: string; readonly token: string}
  | {readonly kind: 'delegate'; readonly reason: string}

async function loggedInAccount(host: CredentialHost): Promise<string | undefined> {
  if (!host.dataDir) return undefined
  try {
    const {account} = JSON.parse((await host.readFile(join(host.dataDir, 'login.json'))) ?? '{}') as {account?: unknown}
    return typeof account === 'string' && account.length > 0 ? account : undefined
  } catch {
    return undefined
  }
}

/**
 * The token as @heroku-cli/command 13's `getAuthEntry` finds it without HEROKU_API_KEY, when that can be had from a
 * plain netrc; everywhere else (an account in the OS credential store, a gpg netrc, no token, an unreadable file)
 * the answer is left to @heroku-cli/command itself, side effects included, so that no one is logged out.
 */
export async function storedCredentials(host: CredentialHost): Promise<StoredCredentials> {
  const store = credentialStore(host)
  if (store && (await loggedInAccount(host)))
    return {kind: 'delegate', reason: `heroku login keeps the token in the ${store}`}
  const file = netrcFile(host)
  if (file.endsWith('.gpg')) return {kind: 'delegate', reason: `the netrc ${file} is encrypted with gpg`}
  let body: string | undefined
  try {
    body = await host.readFile(file)
  } catch {
    return {kind: 'delegate', reason: `the netrc ${file} cannot be read`}
  }

  const machine = netrcMachineName(host.env)
  const token = parseNetrc(body ?? '').get(machine)?.password
  return token
    ? {file, kind: 'netrc', machine, token}
    : {kind: 'delegate', reason: `the netrc ${file} has no password for ${machine}`}
}

export interface Credentials {
  readonly token: string
}

/** Neither HEROKU_API_KEY nor a login gave a token. */
export class NoCredentialsError extends OperationError {
  constructor() {
    super('No Heroku credentials were found.')
  }
}

/** The parts of an oclif Config that @heroku-cli/command's APIClient reads. */
export type HerokuConfig = ConstructorParameters<typeof import('@heroku-cli/command').APIClient>[0]

export interface CredentialOptions {
  readonly config: HerokuConfig
  readonly debug?: (line: string) => void
  readonly host: CredentialHost
  readonly warn?: (message: string) => void
}

/**
 * The API token: HEROKU_API_KEY at once, else the netrc where @heroku-cli/command would read it, else that package
 * itself (the OS credential store, gpg), loaded only on that path: its import costs half a second.
 */
export async function resolveCredentials(env: Env, options: CredentialOptions): Promise<Credentials> {
  const key = apiKeyFromEnv(env)
  if (key !== undefined) return {token: key}
  const stored = await storedCredentials(options.host)
  if (stored.kind === 'netrc') {
    options.debug?.(`token from the netrc ${stored.file}, machine ${stored.machine}`)
    if (env.HEROKU_API_TOKEN) options.warn?.('HEROKU_API_TOKEN is set but you probably meant HEROKU_API_KEY')
    return {token: stored.token}
  }

  options.debug?.(`token from @heroku-cli/command: ${stored.reason}`)
  const {APIClient} = await import('@heroku-cli/command')
  const token = await new APIClient(options.config).getAuth()
  if (!token) throw new NoCredentialsError()
  return {token}
}
