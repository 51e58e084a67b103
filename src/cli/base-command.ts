import type {ArgInput, FlagInput, InferredArgs, InferredFlags} from '@oclif/core/interfaces'

import {Command} from '@oclif/core/command'
import {parse} from '@oclif/core/parser'
import {constants} from 'node:os'

import type {CommandContext} from '../lib/actions/context.js'

import {OperationError, VpnCliError} from '../lib/errors.js'
import {COMMON_EXIT_CODES, ExitCode, exitCodesHelp, type ExitCodeValue} from '../lib/exit-codes.js'
import {adviceFor} from '../lib/ui/advice.js'
import {useProgramName} from '../lib/ui/command-lines.js'
import {formatError} from '../lib/ui/render.js'
import {guardStdout} from '../lib/ui/stdout-guard.js'
import {Terminal} from '../lib/ui/terminal.js'
import {type CommandProcess, createCommandContext, herokuCredentials, nodeProcess, PACKAGE} from './context.js'

/**
 * Inside the Heroku CLI, its telemetry handlers turn Ctrl-C and SIGTERM into exit code 1. When a host CLI has such
 * handlers, these are put first, so that a command ends with 128 + the signal's number (130, 143), as on its own.
 */
function keepSignalExitCodes(host: Pick<NodeJS.Process, 'exit' | 'listenerCount' | 'prependOnceListener'>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    if (host.listenerCount(signal) > 0)
      host.prependOnceListener(signal, () => host.exit(128 + constants.signals[signal]))
  }
}

/**
 * The command description followed by the exit codes it can end with, which every command documents: the common
 * ones and its own. Lines within a paragraph are joined so that oclif can wrap them to the terminal's width.
 */
export function describe(text: string, ownExitCodes: readonly ExitCodeValue[] = []): string {
  const paragraphs = text.split('\n\n').map((paragraph) => paragraph.replaceAll('\n', ' '))
  return [...paragraphs, exitCodesHelp([...COMMON_EXIT_CODES, ...ownExitCodes])].join('\n\n')
}

/** A failure nobody foresaw: one line, exit code 1, and the stack trace only for HEROKU_DEBUG. */
function unexpected(error: unknown, terminal: Terminal): OperationError {
  if (terminal.env.HEROKU_DEBUG && error instanceof Error && error.stack) terminal.info(`[debug] ${error.stack}`)
  const message = error instanceof Error ? error.message : String(error)
  return new OperationError(
    `Unexpected failure: ${message}`,
    terminal.env.HEROKU_DEBUG ? [] : ['Set HEROKU_DEBUG=1 and run it again to see where it failed.'],
  )
}

/**
 * A command's work: its argv, parsed by the command's own definitions, to the options its action takes (checked
 * before anything is sent), then the action. Written once per command; run() and the tests go through it.
 */
export interface CommandWork {
  /** argv to options, as run() makes them: a refusal here comes before anything could be sent. */
  readonly options: (argv: string[]) => Promise<unknown>
  readonly run: (parsed: {readonly args: unknown; readonly flags: unknown}, context: CommandContext) => Promise<unknown>
}

/**
 * What an action resolves to when it ends with an exit code other than 0 without an error: doctor's findings. A class,
 * so that only an action can say it: the API's objects, which other actions resolve to, may carry any field.
 */
export class ExitOutcome {
  constructor(readonly exitCode: ExitCodeValue) {}
}

export function commandWork<A extends ArgInput, F extends FlagInput, O>(
  definitions: {readonly args: A; readonly flags: F},
  toOptions: (args: InferredArgs<A>, flags: InferredFlags<F>) => O,
  action: (options: O, context: CommandContext) => Promise<unknown>,
): CommandWork {
  return {
    async options(argv) {
      const {args, flags} = await parse(argv, definitions)
      return toOptions(args as InferredArgs<A>, flags as InferredFlags<F>)
    },
    run: ({args, flags}, context) => action(toOptions(args as InferredArgs<A>, flags as InferredFlags<F>), context),
  }
}

/** The thin shell every spaces:vpn command shares: it builds the context and turns errors into exit codes. */
export abstract class VpnCommand extends Command {
  /** Each command's argv to options, and its action. */
  static work: CommandWork
  private context: CommandContext | undefined
  /** The process the command runs in: its streams, clock and user, for the context and for the error it may end with. */
  private readonly host: CommandProcess = nodeProcess()

  protected buildContext(): CommandContext {
    this.context = createCommandContext(this.host, herokuCredentials(this.config))
    return this.context
  }

  /**
   * Our errors are printed whole and exit with their own code; oclif's (flag parsing and the like) keep its
   * handling. The exit is signalled through plain properties rather than oclif's ExitError, because inside the
   * Heroku CLI the error handler belongs to another copy of @oclif/core and would not recognise our class.
   */
  protected override async catch(error: Error & {exitCode?: number; oclif?: unknown}): Promise<unknown> {
    // oclif's own errors (flag parsing, exit) keep its handling, which prints no stack trace
    if (!(error instanceof VpnCliError) && error.oclif !== undefined) return super.catch(error)
    // the context's terminal, which may be drawing a spinner; before the context (bad input), one over the same streams
    const terminal = this.context?.terminal ?? new Terminal(this.host)
    const known = error instanceof VpnCliError ? error : unexpected(error, terminal)
    terminal.stderr.write(formatError(known.message, adviceFor(known), terminal.styleErr))
    throw Object.assign(new Error(known.message), {oclif: {exit: known.exitCode}, skipOclifErrorHandling: true})
  }

  protected override async init(): Promise<void> {
    await super.init()
    useProgramName(this.config.bin)
    // Run by another CLI (the Heroku CLI) rather than on its own: that CLI's signal handlers are in the process.
    if (this.config.name !== PACKAGE.name) keepSignalExitCodes(process)
    // eslint-disable-next-line n/no-process-exit, unicorn/no-process-exit -- a reader that went away (EPIPE) ends the program quietly
    guardStdout({exit: (code) => process.exit(code), stderr: process.stderr, stdout: process.stdout})
  }

  async run(): Promise<void> {
    const command = this.constructor as typeof VpnCommand
    const outcome = await command.work.run(await this.parse(command), this.buildContext())
    // an action that ends with a code of its own (doctor's "problems found") says so; the others end with 0
    if (outcome instanceof ExitOutcome && outcome.exitCode !== ExitCode.ok) this.exit(outcome.exitCode)
  }
}
