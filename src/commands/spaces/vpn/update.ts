import * as Flags from '@oclif/core/flags'

import {commandWork, describe, VpnCommand} from '../../../cli/base-command.js'
import {jsonFlag, nameArg, nameFlag, spaceFlag} from '../../../cli/flags.js'
import {runUpdate, updateOptions} from '../../../lib/actions/update.js'

const definitions = {
  args: {name: nameArg},
  flags: {
    cidrs: Flags.string({
      char: 'c',
      description: 'the new routable CIDRs of your network, separated by commas',
      required: true,
    }),
    json: jsonFlag,
    name: nameFlag,
    space: spaceFlag,
  },
}

export default class Update extends VpnCommand {
  static override args = definitions.args
  static override description = describe(`change the routable CIDRs of a VPN connection

The new list replaces the old one and is checked by the same rules as spaces:vpn:connect before anything is sent.`)
  static override examples = [
    `<%= config.bin %> <%= command.id %> office --space acme-space --cidrs 172.16.0.0/16,192.168.20.0/24
Updated VPN connection office in space acme-space: its routable CIDRs are now 172.16.0.0/16, 192.168.20.0/24.`,
  ]
  static override flags = definitions.flags
  static override work = commandWork(definitions, updateOptions, runUpdate)
}
