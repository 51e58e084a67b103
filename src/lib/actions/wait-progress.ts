import type {VpnConnection} from '../api/types.js'
import type {Spinner, Terminal} from '../ui/terminal.js'
import type {CommandContext} from './context.js'
import type {WaitEvent} from './polling.js'

import {formatDuration} from '../rules/duration.js'
import {describeState, retryNotice} from '../ui/render.js'

export interface WaitProgress {
  abandon(): void
  /** The connection as the wait ended, or undefined when it ended because the connection is gone. */
  finish(connection: undefined | VpnConnection, elapsedMs: number): void
  readonly onEvent: (event: WaitEvent) => void
}

/** Off a terminal: one line per change of state, for CI logs. */
export function lineProgress(terminal: Terminal, title: string): WaitProgress {
  terminal.info(`${title}...`)
  return {
    abandon() {},
    finish(connection, elapsedMs) {
      terminal.info(
        connection
          ? `Ready after ${formatDuration(elapsedMs)}: ${describeState(connection)}.`
          : `Destroyed after ${formatDuration(elapsedMs)}.`,
      )
    },
    onEvent(event) {
      if (event.kind === 'retry') terminal.warn(retryNotice(event.error, event.delayMs))
      else if (event.changed) terminal.info(`${describeState(event.connection)} (${formatDuration(event.elapsedMs)})`)
    },
  }
}

/** At a terminal: a spinner showing the current state and the time waited so far. */
export function spinnerProgress(
  spinner: Spinner,
  terminal: Terminal,
  clock: Pick<CommandContext, 'every' | 'now'>,
): WaitProgress {
  const {now} = clock
  const started = now()
  let state = 'starting'
  const render = () => {
    spinner.status(`${state} (${formatDuration(now() - started)})`)
  }

  render()
  const stopTicking = clock.every(1000, render)
  return {
    abandon() {
      stopTicking()
      spinner.stop(terminal.styleErr('red', 'stopped'))
    },
    finish(connection, elapsedMs) {
      stopTicking()
      spinner.stop(
        terminal.styleErr(
          'green',
          `${connection ? describeState(connection) : 'destroyed'} after ${formatDuration(elapsedMs)}`,
        ),
      )
    },
    onEvent(event) {
      if (event.kind === 'retry') {
        spinner.interrupt(() => terminal.warn(retryNotice(event.error, event.delayMs)))
      } else {
        state = describeState(event.connection)
      }

      render()
    },
  }
}
