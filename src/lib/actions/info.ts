import type {ConnectionTarget, VpnConnection} from '../api/types.js'
import type {Terminal} from '../ui/terminal.js'
import type {CommandContext} from './context.js'

import {connectionCommand, replaceFailedAdvice} from '../ui/command-lines.js'
import {formatConnectionInfo} from '../ui/render.js'
import {requireConnection} from './lookups.js'
import {connectionName, spaceName} from './target.js'

export interface InfoOptions extends ConnectionTarget {
  readonly json: boolean
}

export function infoOptions(args: {name?: string}, flags: {json?: boolean; name?: string; space: string}): InfoOptions {
  return {json: flags.json === true, name: connectionName(args.name, flags.name), space: spaceName(flags.space)}
}

/** Prints a connection as `info` shows it: the Platform API's object with --json, else the article's tables. */
export function printConnection(
  terminal: Terminal,
  target: ConnectionTarget,
  connection: VpnConnection,
  json: boolean,
): void {
  if (json) {
    terminal.json(connection)
    return
  }

  const advice = {
    config: connectionCommand('config', target.name, target.space),
    replaceFailed: replaceFailedAdvice(target),
    wait: connectionCommand('wait', target.name, target.space),
    waitForTunnels: connectionCommand('wait', target.name, target.space, '--tunnels-up'),
  }
  terminal.outRendered(formatConnectionInfo(target.space, connection, advice, terminal.styleOut))
}

export async function runInfo(options: InfoOptions, context: CommandContext): Promise<void> {
  const connection = await requireConnection(context.api, options)
  printConnection(context.terminal, options, connection, options.json)
}
