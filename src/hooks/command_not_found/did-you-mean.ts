import type {Hook} from '@oclif/core/hooks'

import {closest, distance} from 'fastest-levenshtein'

import {ExitCode} from '../../lib/exit-codes.js'

/** How far a typo may be from a command to be suggested: about one edit in four characters. */
export function suggestion(typed: string, ids: readonly string[]): string | undefined {
  if (ids.length === 0) return undefined
  const best = closest(typed, [...ids])
  return distance(typed, best) <= Math.max(2, Math.floor(best.length / 4)) ? best : undefined
}

/**
 * The standalone program's answer to a mistyped command (inside the Heroku CLI, its own plugin answers): the closest
 * command, and where the list is. Registered by bin/run.js only.
 */
const didYouMean: Hook<'command_not_found'> = async function (options) {
  const ids = options.config.commands.filter((command) => !command.hidden).map((command) => command.id)
  const best = suggestion(options.id, ids)
  const hint = best ? ` Did you mean ${best}?` : ''
  this.error(`command ${options.id} not found.${hint} Run \`${options.config.bin} help\` for the list of commands.`, {
    exit: ExitCode.usage,
  })
}

export default didYouMean
