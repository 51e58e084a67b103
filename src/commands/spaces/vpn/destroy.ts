import * as Flags from '@oclif/core/flags'

import {commandWork, describe, VpnCommand} from '../../../cli/base-command.js'
import {intervalFlag, jsonFlag, nameArg, nameFlag, spaceFlag, timeoutFlag} from '../../../cli/flags.js'
import {destroyOptions, runDestroy} from '../../../lib/actions/destroy.js'
import {ExitCode} from '../../../lib/exit-codes.js'

const definitions = {
  args: {name: nameArg},
  flags: {
    confirm: Flags.string({description: "the connection's name, to destroy it without a prompt"}),
    interval: {...intervalFlag, dependsOn: ['wait']},
    json: jsonFlag,
    name: nameFlag,
    space: spaceFlag,
    timeout: {...timeoutFlag, dependsOn: ['wait']},
    wait: Flags.boolean({
      description: 'wait until the connection is gone (before connecting again, as a key rotation does)',
    }),
  },
}

export default class Destroy extends VpnCommand {
  static override args = definitions.args
  static override description = describe(
    `destroy a VPN connection

The connection is looked up first. At a terminal you are then asked to type its name (Ctrl-D or Ctrl-C cancels).
Anywhere else --confirm NAME is required; without it, or with another name, nothing is sent and the exit code is 2.
If the answer to the delete is lost, the connection is looked up again: being destroyed or gone counts as done.
Destroying and connecting again is also how the pre-shared keys are changed.

With --wait it returns once the connection is gone, polling as spaces:vpn:wait does: passing trouble is retried
within --timeout, which ends the wait with exit code 124.`,
    [ExitCode.timeout],
  )
  static override examples = [
    `<%= config.bin %> <%= command.id %> office --space acme-space --confirm office
Destroying VPN connection office in space acme-space: its tunnels are being torn down.`,
    `<%= config.bin %> <%= command.id %> office --space acme-space --confirm office --wait --timeout 600`,
  ]
  static override flags = definitions.flags
  static override work = commandWork(definitions, destroyOptions, runDestroy)
}
