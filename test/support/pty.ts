import {spawn} from 'node:child_process'

export interface PtySession {
  /** The exit code, 128 + the signal's number when a signal ended the program. */
  readonly exit: Promise<number>
  /** Everything the terminal showed so far: stdout and stderr together, as at a real terminal. */
  output(): string
  /** Types into the terminal: `\x03` is Ctrl-C, `\x04` is Ctrl-D, `\r` is Enter. */
  type(text: string): void
  /** Resolves once the terminal has shown `text`. */
  waitFor(text: RegExp | string, timeoutMs?: number): Promise<void>
}

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`

/**
 * Runs a program under a pseudo-terminal made by `script` (util-linux): stdin, stdout and stderr are all the
 * terminal, so the program sees what it sees when a person runs it.
 */
export function runInPty(command: readonly string[], env: Record<string, string>): PtySession {
  const child = spawn(
    'script',
    ['--quiet', '--return', '--command', command.map((word) => quote(word)).join(' '), '/dev/null'],
    {
      env: {PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm', ...env},
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  )
  let output = ''
  const watchers = new Set<() => void>()
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8')
    for (const watcher of watchers) watcher()
  })
  const exit = new Promise<number>((resolve) => {
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15)))
  })
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  void exit.then(() => clearTimeout(killer))
  return {
    exit,
    output: () => output,
    type: (text) => child.stdin.write(text),
    waitFor: (text, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const seen = () => (typeof text === 'string' ? output.includes(text) : text.test(output))
        if (seen()) {
          resolve()
          return
        }

        const timer = setTimeout(() => {
          watchers.delete(check)
          reject(new Error(`the terminal never showed ${String(text)}; it showed:\n${output}`))
        }, timeoutMs)
        const check = () => {
          if (!seen()) return
          clearTimeout(timer)
          watchers.delete(check)
          resolve()
        }

        watchers.add(check)
      }),
  }
}
