import type {PlatformApi} from '../api/client.js'
import type {Terminal} from '../ui/terminal.js'

/** Everything a command's work touches outside itself, handed in so tests can replace it. */
export interface CommandContext {
  readonly api: PlatformApi
  readonly now: () => number
  readonly sleep: (ms: number) => Promise<void>
  readonly terminal: Terminal
}
