import {InputError, OperationError} from './errors.js'

/** Hosts @heroku-cli/command lets HEROKU_HOST point at; any other value falls back to heroku.com. */
export const ALLOWED_HEROKU_DOMAINS = ['heroku.com', 'herokai.com', 'herokuspace.com', 'herokudev.com'] as const
export const LOCALHOST_DOMAINS = ['localhost', '127.0.0.1'] as const

export type Env = Readonly<Record<string, string | undefined>>

function isAllowedHost(host: string): boolean {
  const bare = host.replace(/^https?:\/\//, '')
  return (
    ALLOWED_HEROKU_DOMAINS.some((domain) => bare === domain || bare.endsWith(`.${domain}`)) ||
    LOCALHOST_DOMAINS.some((domain) => bare.includes(domain))
  )
}

export interface ApiEndpoint {
  readonly baseUrl: string
  /** Set when HEROKU_HOST was ignored, to be shown as a warning. */
  readonly warning?: string
}

/**
 * The API's base URL, resolved from HEROKU_HOST exactly as @heroku-cli/command's `vars.apiUrl` does
 * (a test holds the two together), without importing it: that import alone costs about half a second.
 */
export function apiEndpoint(env: Env): ApiEndpoint {
  const host = env.HEROKU_HOST
  if (host && host.trim() !== host) throw badHost(host, 'has spaces or line breaks around it')
  if (host && !isAllowedHost(host)) {
    return {baseUrl: 'https://api.heroku.com', warning: `Invalid HEROKU_HOST '${host}' - using default`}
  }

  const effective = host || 'heroku.com'
  const baseUrl = effective.startsWith('http') ? effective : `https://api.${effective}`
  if (!URL.canParse(baseUrl)) throw badHost(host!, 'is not a valid host or URL')
  const {protocol} = new URL(baseUrl)
  if (protocol !== 'http:' && protocol !== 'https:') throw badHost(host!, `uses ${protocol.replace(':', '')}, not http or https`)
  return {baseUrl}
}

/** What HEROKU_HOST takes, for the message when it is malformed. */
export const HEROKU_HOST_RULE = `a host name under ${ALLOWED_HEROKU_DOMAINS.join(', ')}, or an http(s) URL with a port from 1 to 65535, e.g. http://127.0.0.1:5000`

function badHost(host: string, problem: string): InputError {
  return new InputError(`HEROKU_HOST ${JSON.stringify(host)} ${problem}: it takes ${HEROKU_HOST_RULE}. Nothing was sent to Heroku.`, [
    'Fix or unset HEROKU_HOST.',
  ])
}

/** The key from HEROKU_API_KEY without the whitespace around it (a line break from a file); undefined when unset or blank. */
export function apiKeyFromEnv(env: Env): string | undefined {
  const key = env.HEROKU_API_KEY?.trim()
  if (!key) return undefined
  if (/[^\x21-\x7E]/.test(key)) {
    throw new InputError(
      'HEROKU_API_KEY contains spaces or characters that cannot be sent in an HTTP header: it takes one API key, e.g. from `heroku authorizations:create`. Nothing was sent to Heroku.',
    )
  }

  return key
}

export interface Credentials {
  readonly token: string
  readonly fromEnv: boolean
}

/** The parts of an oclif Config that @heroku-cli/command's APIClient reads. */
export type HerokuConfig = ConstructorParameters<typeof import('@heroku-cli/command').APIClient>[0]

/**
 * The API token: HEROKU_API_KEY at once, else the netrc or the OS credential store through
 * @heroku-cli/command, loaded only on that path.
 */
export async function resolveCredentials(env: Env, config: HerokuConfig): Promise<Credentials> {
  const key = apiKeyFromEnv(env)
  if (key !== undefined) return {fromEnv: true, token: key}
  const {APIClient} = await import('@heroku-cli/command')
  const token = await new APIClient(config).getAuth()
  if (!token) {
    throw new OperationError('No Heroku credentials were found.', [
      'Run `heroku login`, or set HEROKU_API_KEY to an API key from `heroku authorizations:create`.',
    ])
  }

  return {fromEnv: false, token}
}
