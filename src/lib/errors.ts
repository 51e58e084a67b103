import {ExitCode, type ExitCodeValue} from './exit-codes.js'

/** An error the CLI reports as one message and one exit code. */
export class VpnCliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    readonly advice: readonly string[] = [],
  ) {
    super(message)
    this.name = new.target.name
  }
}

/** The input was wrong: bad flags, a rule of the article broken, a refused precondition. Nothing was changed. */
export class InputError extends VpnCliError {
  constructor(message: string, advice: readonly string[] = []) {
    super(message, ExitCode.usage, advice)
  }
}

/** The operation was attempted and failed. */
export class OperationError extends VpnCliError {
  constructor(message: string, advice: readonly string[] = []) {
    super(message, ExitCode.failed, advice)
  }
}

/** The host cannot run what was asked (not Linux, no strongSwan): nothing was checked. */
export class EnvironmentError extends VpnCliError {
  constructor(message: string, suggestions: readonly string[] = []) {
    super(message, ExitCode.environment, suggestions)
  }
}

export class WaitTimeoutError extends VpnCliError {
  constructor(message: string, advice: readonly string[] = []) {
    super(message, ExitCode.timeout, advice)
  }
}

// The sentences that end a refusal by saying what it left untouched: one wording for each outcome, everywhere.
export const NOTHING_SENT = 'Nothing was sent to Heroku.'
/** For a server whose certificate was not accepted: it cannot be taken for Heroku. */
export const NOTHING_SENT_TO_UNTRUSTED_SERVER = 'Nothing was sent.'
export const NOTHING_CREATED = 'Nothing was created.'
export const NOTHING_CHANGED = 'Nothing was changed.'
export const NOTHING_DESTROYED = 'Nothing was destroyed.'
export const NOTHING_WRITTEN = 'Nothing was written.'

export type NothingDone =
  | typeof NOTHING_CHANGED
  | typeof NOTHING_CREATED
  | typeof NOTHING_DESTROYED
  | typeof NOTHING_SENT
  | typeof NOTHING_SENT_TO_UNTRUSTED_SERVER
  | typeof NOTHING_WRITTEN

/** How much of a value a message repeats: enough to recognise it, never a whole pasted file. */
const SHOWN_CHARACTERS = 100

/** A value for a message: as it is, or its beginning and its length when it is longer than SHOWN_CHARACTERS. */
export function shortened(value: string): string {
  const characters = [...value]
  if (characters.length <= SHOWN_CHARACTERS) return value
  return `${characters.slice(0, SHOWN_CHARACTERS).join('')}… (${characters.length.toLocaleString('en-US')} characters)`
}

/** One problem as it is, several as a list under a heading such as "3 problems with the input:", then the outcome. */
export function listProblems(problems: readonly string[], outcome: string, subject: string): string {
  const listed =
    problems.length === 1
      ? problems[0]!
      : [`${problems.length} problems with ${subject}:`, ...problems.map((problem) => `- ${problem}`)].join('\n')
  return `${listed}\n${outcome}`
}

/** Several bad inputs reported together, so the user fixes them in one go, with what that meant for the server. */
export function inputErrors(problems: readonly string[], outcome: NothingDone): InputError {
  return new InputError(listProblems(problems, outcome, 'the input'))
}
