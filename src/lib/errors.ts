import {ExitCode, type ExitCodeValue} from './exit-codes.js'

/** An error the CLI reports as one message and one exit code. */
export class VpnCliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    readonly suggestions: readonly string[] = [],
  ) {
    super(message)
    this.name = new.target.name
  }
}

/** The input was wrong: bad flags, a rule of the article broken, a refused precondition. Nothing was changed. */
export class InputError extends VpnCliError {
  constructor(message: string, suggestions: readonly string[] = []) {
    super(message, ExitCode.usage, suggestions)
  }
}

/** The operation was attempted and failed. */
export class OperationError extends VpnCliError {
  constructor(message: string, suggestions: readonly string[] = []) {
    super(message, ExitCode.failed, suggestions)
  }
}

export class WaitTimeoutError extends VpnCliError {
  constructor(message: string, suggestions: readonly string[] = []) {
    super(message, ExitCode.timeout, suggestions)
  }
}

export const NOTHING_SENT = 'Nothing was sent to Heroku.'
export const NOTHING_CREATED = 'Nothing was created.'

/** One problem as it is, several as a list under a heading such as "3 problems with the input:", then the outcome. */
export function listProblems(problems: readonly string[], outcome: string, subject: string): string {
  const listed =
    problems.length === 1 ? problems[0]! : [`${problems.length} problems with ${subject}:`, ...problems.map((problem) => `- ${problem}`)].join('\n')
  return `${listed}\n${outcome}`
}

/** Several bad inputs reported together, so the user fixes them in one go, with what that meant for the server. */
export function inputErrors(problems: readonly string[], outcome: string): InputError {
  return new InputError(listProblems(problems, outcome, 'the input'))
}
