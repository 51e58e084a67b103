import * as Flags from '@oclif/core/flags'

import {destroyConnection} from '../../../lib/actions/destroy.js'
import {describe, VpnCommand} from '../../../cli/base-command.js'
import {connectionName, jsonFlag, nameArg, nameFlag, spaceFlag, spaceName} from '../../../cli/flags.js'

export default class Destroy extends VpnCommand {
  static override args = {name: nameArg}

  static override description = describe(`destroy a VPN connection

The connection is looked up first. At a terminal you are then asked to type its name (Ctrl-D or Ctrl-C cancels).
Anywhere else --confirm NAME is required; without it, or with another name, nothing is sent and the exit code is 2.
If the answer to the delete is lost, the connection is looked up again: being destroyed or gone counts as done.
Destroying and connecting again is also how the pre-shared keys are changed.`)

  static override examples = [
    `<%= config.bin %> <%= command.id %> office --space acme-space --confirm office
Destroying VPN connection office in space acme-space: its tunnels are being torn down.`,
  ]

  static override flags = {
    confirm: Flags.string({description: "the connection's name, to destroy it without a prompt"}),
    json: jsonFlag,
    name: nameFlag,
    space: spaceFlag,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Destroy)
    const name = connectionName(args.name, flags.name)
    await destroyConnection({confirm: flags.confirm, json: flags.json, name, space: spaceName(flags.space)}, this.buildContext())
  }
}
