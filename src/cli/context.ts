import {readFileSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'

import type {CommandContext} from '../lib/actions/context.js'
import type {Env} from '../lib/env.js'
import type {LocalUser} from '../lib/gateway/write-files.js'

import {createPlatformApi} from '../lib/api/client.js'
import {apiEndpoint, type HerokuConfig, processCredentialHost, resolveCredentials} from '../lib/api/credentials.js'
import {type NetworkRoute, networkRoute} from '../lib/api/network-route.js'
import {createTransport} from '../lib/api/transport.js'
import {retryNotice} from '../lib/ui/render.js'
import {processStreams, Terminal, type TerminalStreams} from '../lib/ui/terminal.js'

export const PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  name: string
  version: string
}

const USER_AGENT = `${PACKAGE.name}/${PACKAGE.version} node-${process.version}`

/** What a command takes from the process it runs in; tests hand in fake streams and a clock that moves on sleep. */
export interface CommandProcess extends TerminalStreams {
  readonly every: CommandContext['every']
  readonly now: () => number
  readonly sleep: (ms: number) => Promise<void>
  readonly user: LocalUser | undefined
}

/** The user this process runs as; undefined on Windows, which has no POSIX owners. */
export function processUser(): LocalUser | undefined {
  return process.getuid && process.getgid ? {gid: process.getgid(), uid: process.getuid()} : undefined
}

function every(ms: number, tick: () => void): () => void {
  const ticker = setInterval(tick, ms)
  ticker.unref()
  return () => clearInterval(ticker)
}

export function nodeProcess(): CommandProcess {
  return {...processStreams(), every, now: Date.now, sleep: (ms) => sleep(ms), user: processUser()}
}

/** Where the API token comes from, asked on the first request, so bad input is reported before credentials are looked up. */
export type TokenSource = (
  env: Env,
  report: {debug?: (line: string) => void; warn: (message: string) => void},
) => Promise<string>

/** The Heroku CLI's credentials: HEROKU_API_KEY, the netrc file, or the CLI's credential store under `config`. */
export function herokuCredentials(config: HerokuConfig & {readonly dataDir: string}): TokenSource {
  return async (env, report) => {
    const credentials = await resolveCredentials(env, {config, host: processCredentialHost(config.dataDir), ...report})
    return credentials.token
  }
}

/** The one place a command's context is put together: the terminal, the clock and the Platform API client. */
export function createCommandContext(host: CommandProcess, credentials: TokenSource): CommandContext {
  const terminal = new Terminal(host)
  const {env} = host
  const endpoint = apiEndpoint(env)
  if (endpoint.warning) terminal.warn(endpoint.warning)
  const debug = env.HEROKU_DEBUG ? (line: string) => terminal.info(`[debug] ${line}`) : undefined
  let token: Promise<string> | undefined
  let route: Promise<NetworkRoute> | undefined
  const transport = createTransport({
    baseUrl: endpoint.baseUrl,
    debug,
    route() {
      route ??= networkRoute(new URL(endpoint.baseUrl), env).then((chosen) => {
        if (chosen.proxy) debug?.(`requests go through the proxy ${chosen.proxy.shown} (from ${chosen.proxy.variable})`)
        return chosen
      })
      return route
    },
    token() {
      token ??= credentials(env, {debug, warn: (message) => terminal.warn(message)})
      return token
    },
    userAgent: USER_AGENT,
  })
  const api = createPlatformApi({
    onRetry: (error, delayMs) => terminal.warn(retryNotice(error, delayMs)),
    sleep: host.sleep,
    tokenFromEnv: Boolean(env.HEROKU_API_KEY?.trim()),
    transport,
  })
  return {api, every: host.every, now: host.now, sleep: host.sleep, terminal, user: host.user}
}
