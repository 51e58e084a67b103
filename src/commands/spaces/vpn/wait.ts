import * as Flags from '@oclif/core/flags'

import {commandWork, describe, VpnCommand} from '../../../cli/base-command.js'
import {intervalFlag, jsonFlag, nameArg, nameFlag, spaceFlag, timeoutFlag} from '../../../cli/flags.js'
import {runWait, waitOptions} from '../../../lib/actions/wait.js'
import {ExitCode} from '../../../lib/exit-codes.js'

const definitions = {
  args: {name: nameArg},
  flags: {
    interval: intervalFlag,
    json: jsonFlag,
    name: nameFlag,
    space: spaceFlag,
    timeout: timeoutFlag,
    'tunnels-up': Flags.boolean({
      description: 'also wait until every tunnel reports UP (after configuring your gateway)',
    }),
  },
}

export default class Wait extends VpnCommand {
  static override args = definitions.args
  static override description = describe(
    `wait until a VPN connection is ready, then show it as spaces:vpn:info does

Made for CI pipelines: passing trouble while polling (HTTP 5xx, 429 with Retry-After, dropped or timed-out
requests) is retried with backoff inside --timeout and never ends the wait by itself. A failed connection ends it at
once with exit code 1 and the API's status message; the timeout ends it with exit code 124. Progress goes to stderr:
a spinner at a terminal, one line per change of state elsewhere.`,
    [ExitCode.timeout],
  )
  static override examples = [
    `<%= config.bin %> <%= command.id %> office --space acme-space`,
    `<%= config.bin %> <%= command.id %> office --space acme-space --timeout 900 --tunnels-up --json > vpn.json`,
  ]
  static override flags = definitions.flags
  static override work = commandWork(definitions, waitOptions, runWait)
}
