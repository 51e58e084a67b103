export interface GuardedStreams {
  readonly exit: (code: number) => void
  readonly stderr: {write(text: string): unknown}
  readonly stdout: NodeJS.EventEmitter
}

/**
 * What happens when writing the result fails: a reader that went away (`| head -1`) ends the command quietly;
 * anything else (a full disk) is one line on stderr and exit code 1, never a stack trace.
 */
export function guardStdout({exit, stderr, stdout}: GuardedStreams): void {
  // first: @oclif/core's own listener rethrows every error but EPIPE, which ends in a stack trace
  stdout.prependListener('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      exit(0)
      return
    }

    stderr.write(` ›   Error: could not write the result to stdout: ${error.message}\n`)
    exit(1)
  })
}
