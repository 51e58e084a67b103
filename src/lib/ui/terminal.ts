import {styleText} from 'node:util'

import type {Env} from '../env.js'

import {printable} from './printable.js'

export interface OutputStream {
  readonly isTTY?: boolean
  write(chunk: string): unknown
}

export interface InputStream extends NodeJS.ReadableStream {
  readonly isTTY?: boolean
}

export type Style = 'bold' | 'dim' | 'green' | 'red' | 'yellow'

/** The part of oclif's `ux.action` a spinner uses. */
export interface SpinnerAction {
  pause(write: () => void): unknown
  start(title: string): void
  status: string | undefined
  stop(message: string): void
}

/** A progress line that animates on stderr while the work goes on. */
export interface Spinner {
  /** Prints a line above the spinner without garbling it. */
  interrupt(write: () => void): void
  /** Replaces the text shown after the title. */
  status(text: string): void
  stop(message: string): void
}

/** What a terminal is made of; the process's own unless a test hands in fakes. */
export interface TerminalStreams {
  readonly env: Env
  /** What draws a spinner; oclif's `ux.action` when absent, loaded only when a spinner starts. */
  readonly spinnerAction?: () => Promise<SpinnerAction>
  readonly stderr: OutputStream
  /** Opened on first use: touching process.stdin costs a couple of milliseconds, and most commands never read it. */
  readonly stdin: () => InputStream
  readonly stdout: OutputStream
}

export function processStreams(): TerminalStreams {
  return {env: process.env, stderr: process.stderr, stdin: () => process.stdin, stdout: process.stdout}
}

type UxModule = typeof import('@oclif/core/ux')

/**
 * oclif's spinner, loaded when the first one starts. @oclif/core/ux is CommonJS: Node's import gives its named
 * exports, but the standalone bundle (esbuild) gives only `default`, the module's exports object, so `ux` is read
 * from whichever is there.
 */
async function oclifSpinnerAction(): Promise<SpinnerAction> {
  const loaded = (await import('@oclif/core/ux')) as UxModule & {default?: UxModule}
  const ux = loaded.ux === undefined && loaded.default !== undefined ? loaded.default.ux : loaded.ux
  return ux.action
}

/** Whether a stream gets ANSI colour: only a terminal, and never under NO_COLOR or TERM=dumb; FORCE_COLOR=0 turns it off too. */
function colorEnabled(stream: OutputStream, env: Env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR === '0') return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return true
  return stream.isTTY === true && env.TERM !== 'dumb'
}

/** The decision is made per stream above, so styleText must not second-guess it against process.stdout. */
function paint(style: Style, text: string): string {
  return styleText(style, text, {validateStream: false})
}

/**
 * The command's view of its streams, in the manner of gh's iostreams: results to stdout, everything else to
 * stderr, colour and prompts only where a person is looking.
 */
export class Terminal {
  readonly env: Env
  readonly stderr: OutputStream
  readonly stderrColor: boolean
  readonly stdout: OutputStream
  readonly stdoutColor: boolean
  readonly styleErr = (style: Style, text: string): string => (this.stderrColor ? paint(style, text) : text)
  /** Styles text bound for stdout; a function value, so it can be handed to the renderers. */
  readonly styleOut = (style: Style, text: string): string => (this.stdoutColor ? paint(style, text) : text)
  private openedStdin: InputStream | undefined
  private readonly openStdin: () => InputStream
  private readonly spinnerAction: () => Promise<SpinnerAction>

  constructor(streams: TerminalStreams) {
    this.stdout = streams.stdout
    this.stderr = streams.stderr
    this.env = streams.env
    this.openStdin = streams.stdin
    this.spinnerAction = streams.spinnerAction ?? oclifSpinnerAction
    this.stdoutColor = colorEnabled(this.stdout, this.env)
    this.stderrColor = colorEnabled(this.stderr, this.env)
  }

  /** Progress is animated only on a terminal; CI logs get one line per change. */
  get animated(): boolean {
    return this.stderr.isTTY === true && this.env.TERM !== 'dumb' && !this.env.CI
  }

  /** A person can answer a prompt and watch a spinner. */
  get interactive(): boolean {
    return this.stdin.isTTY === true && this.stderr.isTTY === true
  }

  get stdin(): InputStream {
    this.openedStdin ??= this.openStdin()
    return this.openedStdin
  }

  /** Progress, warnings and advice, on stderr. */
  info(text: string): void {
    this.stderr.write(`${printable(text)}\n`)
  }

  json(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
  }

  /** Writes a result in words to stdout, with a final newline; control characters from values are escaped. */
  out(text: string): void {
    this.outRendered(printable(text))
  }

  /** Writes a result whose values the renderer escaped already, and which may carry its colours. */
  outRendered(text: string): void {
    this.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
  }

  /** Asks on stderr and reads one line from stdin; undefined at the end of input (Ctrl-D). */
  async prompt(question: string): Promise<string | undefined> {
    const {createInterface} = await import('node:readline')
    const readline = createInterface({input: this.stdin, output: this.stderr as NodeJS.WritableStream, terminal: false})
    return new Promise((resolve) => {
      readline.once('close', () => resolve(undefined))
      readline.question(question, (answer) => {
        resolve(answer)
        readline.close()
      })
    })
  }

  /** Starts a spinner with `title` on stderr when progress is animated; undefined elsewhere, where lines suit better. */
  async startSpinner(title: string): Promise<Spinner | undefined> {
    if (!this.animated) return undefined
    const action = await this.spinnerAction()
    action.start(title)
    return {
      interrupt(write) {
        void action.pause(write)
      },
      status(text) {
        action.status = text
      },
      stop(message) {
        action.stop(message)
      },
    }
  }

  warn(text: string): void {
    this.stderr.write(`${this.styleErr('yellow', 'Warning:')} ${printable(text)}\n`)
  }
}
