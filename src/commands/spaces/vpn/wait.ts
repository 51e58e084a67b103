import * as Flags from '@oclif/core/flags'

import {waitUntilReady} from '../../../lib/actions/wait.js'
import {parseSeconds} from '../../../lib/duration.js'
import {inputErrors, NOTHING_SENT} from '../../../lib/errors.js'
import {DEFAULT_WAIT_INTERVAL_SECONDS, DEFAULT_WAIT_TIMEOUT_SECONDS, MIN_WAIT_INTERVAL_SECONDS} from '../../../lib/wait.js'
import {describe, VpnCommand} from '../../../cli/base-command.js'
import {connectionName, jsonFlag, nameArg, nameFlag, spaceFlag, spaceName} from '../../../cli/flags.js'

export default class Wait extends VpnCommand {
  static override args = {name: nameArg}

  static override description = describe(`wait until a VPN connection is ready, then show it as spaces:vpn:info does

Made for CI pipelines: passing trouble while polling (HTTP 5xx, 429 with Retry-After, dropped or timed-out
requests) is retried with backoff inside --timeout and never ends the wait by itself. A failed connection ends it at
once with exit code 1 and the API's status message; the timeout ends it with exit code 124. Progress goes to stderr:
a spinner at a terminal, one line per change of state elsewhere.`)

  static override examples = [
    `<%= config.bin %> <%= command.id %> office --space acme-space`,
    `<%= config.bin %> <%= command.id %> office --space acme-space --timeout 900 --tunnels-up --json > vpn.json`,
  ]

  static override flags = {
    interval: Flags.string({
      char: 'i',
      description: `seconds between polls, at least ${MIN_WAIT_INTERVAL_SECONDS} [default: ${DEFAULT_WAIT_INTERVAL_SECONDS}]`,
    }),
    json: jsonFlag,
    name: nameFlag,
    space: spaceFlag,
    timeout: Flags.string({
      char: 't',
      description: `seconds to wait at most before giving up with exit code 124 [default: ${DEFAULT_WAIT_TIMEOUT_SECONDS}]`,
    }),
    'tunnels-up': Flags.boolean({description: 'also wait until every tunnel reports UP (after configuring your gateway)'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Wait)
    const name = connectionName(args.name, flags.name)
    const interval = parseSeconds('--interval', flags.interval ?? String(DEFAULT_WAIT_INTERVAL_SECONDS), {
      because: 'the Platform API allows about 4,500 requests an hour for your account, and faster polling would use them up',
      min: MIN_WAIT_INTERVAL_SECONDS,
    })
    const timeout = parseSeconds('--timeout', flags.timeout ?? String(DEFAULT_WAIT_TIMEOUT_SECONDS))
    const problems = [interval, timeout].filter((value): value is string => typeof value === 'string')
    if (problems.length > 0) throw inputErrors(problems, NOTHING_SENT)
    await waitUntilReady(
      {
        intervalMs: (interval as number) * 1000,
        json: flags.json,
        name,
        space: spaceName(flags.space),
        timeoutMs: (timeout as number) * 1000,
        tunnelsUp: flags['tunnels-up'],
      },
      this.buildContext(),
    )
  }
}
