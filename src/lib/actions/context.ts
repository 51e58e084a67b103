import type {PlatformApi} from '../api/client.js'
import type {LocalUser} from '../gateway/write-files.js'
import type {Terminal} from '../ui/terminal.js'

/** Everything a command's work touches outside itself, handed in so tests can replace it. */
export interface CommandContext {
  readonly api: PlatformApi
  /** Calls `tick` every `ms` until the returned function is called; it never keeps the process alive. */
  readonly every: (ms: number, tick: () => void) => () => void
  readonly now: () => number
  readonly sleep: (ms: number) => Promise<void>
  readonly terminal: Terminal
  /** Who runs the command, whom written files may be trusted to; undefined where there are no POSIX owners. */
  readonly user: LocalUser | undefined
}
