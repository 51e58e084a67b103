export const ExitCode = {
  failed: 1,
  ok: 0,
  timeout: 124,
  usage: 2,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

const EXIT_CODE_MEANINGS: ReadonlyArray<readonly [ExitCodeValue, string]> = [
  [ExitCode.ok, 'done'],
  [
    ExitCode.failed,
    'the operation failed (API error, failed connection, network, unreachable proxy, untrusted certificate)',
  ],
  [ExitCode.usage, 'the input was wrong, or names a space or connection that does not exist; nothing was changed'],
  [ExitCode.timeout, 'a wait ran out of time'],
]

export const EXIT_CODES_HELP = [
  'Exit codes:',
  ...EXIT_CODE_MEANINGS.map(([code, meaning]) => `  ${String(code).padEnd(3)} ${meaning}`),
].join('\n')
