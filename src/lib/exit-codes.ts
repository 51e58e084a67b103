export const ExitCode = {
  /** doctor: the host cannot run its checks (not Linux, no strongSwan). */
  environment: 4,
  failed: 1,
  ok: 0,
  /** doctor: the checks ran and found problems. */
  problems: 3,
  timeout: 124,
  usage: 2,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

/** What each code means, in every command's help and the README. */
const EXIT_CODE_MEANINGS: Readonly<Record<ExitCodeValue, string>> = {
  [ExitCode.environment]: 'this host cannot run the checks (not Linux, or strongSwan is not installed)',
  [ExitCode.failed]:
    'the operation failed (API error, failed connection, network, unreachable proxy, untrusted certificate)',
  [ExitCode.ok]: 'done',
  [ExitCode.problems]: 'the checks ran and found problems (each is listed with a command that fixes it)',
  [ExitCode.timeout]: 'a wait ran out of time',
  [ExitCode.usage]: 'the input was wrong, or names a space or connection that does not exist; nothing was changed',
}

/** The codes every command can end with; a command adds the ones only it has (a wait's timeout). */
export const COMMON_EXIT_CODES: readonly ExitCodeValue[] = [ExitCode.ok, ExitCode.failed, ExitCode.usage]

/** The "Exit codes:" paragraph of a command's help: the codes it can end with, in order. */
export function exitCodesHelp(codes: readonly ExitCodeValue[]): string {
  const lines = [...codes]
    .sort((a, b) => a - b)
    .map((code) => `  ${String(code).padEnd(3)} ${EXIT_CODE_MEANINGS[code]}`)
  return ['Exit codes:', ...lines].join('\n')
}
