import {Command} from '@oclif/core/command'
import {readFileSync} from 'node:fs'
import {constants} from 'node:os'
import {setTimeout as sleep} from 'node:timers/promises'

import type {CommandContext} from '../lib/actions/context.js'

import {adviceFor} from '../lib/ui/advice.js'
import {useProgramName} from '../lib/ui/command-lines.js'
import {apiEndpoint, processCredentialHost, resolveCredentials} from '../lib/api/credentials.js'
import {OperationError, VpnCliError} from '../lib/errors.js'
import {EXIT_CODES_HELP} from '../lib/exit-codes.js'
import {createTransport} from '../lib/api/transport.js'
import {type NetworkRoute, networkRoute} from '../lib/api/network-route.js'
import {createPlatformApi} from '../lib/api/client.js'
import {formatError, retryNotice} from '../lib/ui/render.js'
import {guardStdout} from '../lib/ui/stdout-guard.js'
import {Terminal} from '../lib/ui/terminal.js'

const pjson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {name: string; version: string}

export const USER_AGENT = `${pjson.name}/${pjson.version} node-${process.version}`

/**
 * Inside the Heroku CLI, its telemetry handlers turn Ctrl-C and SIGTERM into exit code 1. When a host CLI has such
 * handlers, these are put first, so that a command ends with 128 + the signal's number (130, 143), as on its own.
 */
export function keepSignalExitCodes(host: Pick<NodeJS.Process, 'exit' | 'listenerCount' | 'prependOnceListener'>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    if (host.listenerCount(signal) > 0) host.prependOnceListener(signal, () => host.exit(128 + constants.signals[signal]))
  }
}

/**
 * The command description followed by the exit codes, which every command documents. Lines within a paragraph are
 * joined so that oclif can wrap them to the terminal's width.
 */
export function describe(text: string): string {
  const paragraphs = text.split('\n\n').map((paragraph) => paragraph.replaceAll('\n', ' '))
  return [...paragraphs, EXIT_CODES_HELP].join('\n\n')
}

/** A failure nobody foresaw: one line, exit code 1, and the stack trace only for HEROKU_DEBUG. */
function unexpected(error: unknown, terminal: Terminal): OperationError {
  if (terminal.env.HEROKU_DEBUG && error instanceof Error && error.stack) terminal.info(`[debug] ${error.stack}`)
  const message = error instanceof Error ? error.message : String(error)
  return new OperationError(`Unexpected failure: ${message}`, terminal.env.HEROKU_DEBUG ? [] : ['Set HEROKU_DEBUG=1 and run it again to see where it failed.'])
}

/** The thin shell every spaces:vpn command shares: it builds the context and turns errors into exit codes. */
export abstract class VpnCommand extends Command {
  protected override async init(): Promise<void> {
    await super.init()
    useProgramName(this.config.bin)
    // Run by another CLI (the Heroku CLI) rather than on its own: that CLI's signal handlers are in the process.
    if (this.config.name !== pjson.name) keepSignalExitCodes(process)
    guardStdout({exit: (code) => process.exit(code), stderr: process.stderr, stdout: process.stdout})
  }

  protected buildContext(): CommandContext {
    const terminal = Terminal.fromProcess()
    const {env} = process
    const endpoint = apiEndpoint(env)
    if (endpoint.warning) terminal.warn(endpoint.warning)
    const debug = env.HEROKU_DEBUG ? (line: string) => terminal.info(`[debug] ${line}`) : undefined
    let token: Promise<string> | undefined
    let route: Promise<NetworkRoute> | undefined
    const transport = createTransport({
      baseUrl: endpoint.baseUrl,
      debug,
      route: () => {
        route ??= networkRoute(new URL(endpoint.baseUrl), env)
        return route
      },
      token: () => {
        token ??= resolveCredentials(env, {
          config: this.config,
          debug,
          host: processCredentialHost(this.config.dataDir),
          warn: (message) => terminal.warn(message),
        }).then((credentials) => credentials.token)
        return token
      },
      userAgent: USER_AGENT,
    })
    const api = createPlatformApi({
      onRetry: (error, delayMs) => terminal.warn(retryNotice(error, delayMs)),
      sleep: (ms) => sleep(ms),
      tokenFromEnv: Boolean(env.HEROKU_API_KEY?.trim()),
      transport,
    })
    return {api, now: Date.now, sleep: (ms) => sleep(ms), terminal}
  }

  /**
   * Our errors are printed whole and exit with their own code; oclif's (flag parsing and the like) keep its
   * handling. The exit is signalled through plain properties rather than oclif's ExitError, because inside the
   * Heroku CLI the error handler belongs to another copy of @oclif/core and would not recognise our class.
   */
  protected override async catch(error: Error & {exitCode?: number; oclif?: unknown}): Promise<unknown> {
    // oclif's own errors (flag parsing, exit) keep its handling, which prints no stack trace
    if (!(error instanceof VpnCliError) && error.oclif !== undefined) return super.catch(error)
    const terminal = Terminal.fromProcess()
    const known = error instanceof VpnCliError ? error : unexpected(error, terminal)
    terminal.stderr.write(formatError(known.message, adviceFor(known), terminal.styleErr))
    throw Object.assign(new Error(known.message), {oclif: {exit: known.exitCode}, skipOclifErrorHandling: true})
  }
}
