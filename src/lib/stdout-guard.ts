import {readFileSync, readlinkSync} from 'node:fs'

import {OperationError} from './errors.js'

const O_ACCMODE = 0o3
const O_RDWR = 0o2

/**
 * Whether the process was started with stdout closed (`>&-`). Node then opens /dev/null read-write in its place,
 * where a shell's `> /dev/null` opens it write-only; Linux shows both in /proc. Elsewhere this answers false.
 */
export function stdoutWasClosed(fd = 1): boolean {
  try {
    if (readlinkSync(`/proc/self/fd/${fd}`) !== '/dev/null') return false
    const flags = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1]
    return flags !== undefined && (Number.parseInt(flags, 8) & O_ACCMODE) === O_RDWR
  } catch {
    return false
  }
}

export function closedStdoutError(): OperationError {
  return new OperationError('stdout is closed, so the result could not be written. Nothing was sent to Heroku.', [
    'Redirect it to a file, or to /dev/null to discard it.',
  ])
}

export interface GuardedStreams {
  readonly stdout: NodeJS.EventEmitter
  readonly stderr: {write(text: string): unknown}
  readonly exit: (code: number) => void
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
