import * as Flags from '@oclif/core/flags'

import {commandWork, describe, VpnCommand} from '../../../cli/base-command.js'
import {jsonFlag, nameArg, nameFlag, spaceFlag} from '../../../cli/flags.js'
import {connectOptions, runConnect} from '../../../lib/actions/connect.js'
import {RFC1918_BLOCKS} from '../../../lib/rules/network.js'

const definitions = {
  args: {name: nameArg},
  flags: {
    cidrs: Flags.string({
      char: 'c',
      description: 'routable CIDRs of your network, separated by commas',
      required: true,
    }),
    'if-not-exists': Flags.boolean({
      description: 'succeed without a change if the space already has this connection with the same IP and CIDRs',
    }),
    ip: Flags.string({char: 'i', description: 'static public IPv4 address of your VPN gateway', required: true}),
    json: jsonFlag,
    name: nameFlag,
    space: spaceFlag,
  },
}

export default class Connect extends VpnCommand {
  static override args = definitions.args
  static override description = describe(`create a VPN connection between a Private Space and your network

Every constraint of the Private Space VPN article is checked before anything is sent: the gateway IP must be a
public IPv4 address; each routable CIDR must lie inside one RFC 1918 block (${RFC1918_BLOCKS.join(', ')}), must not
overlap the space's own network or 172.17.0.0/16, nor another CIDR of the list; the space must exist, not be
Fir-generation, and have no VPN connection yet. Setting up the gateway takes a few minutes: follow with
spaces:vpn:wait.

For pipelines that run twice, --if-not-exists makes the same connect succeed when the space already has this
connection with the same IP and CIDRs (it is printed, and said to have existed), also when another run created it
between this one's look and its create; a different IP or different CIDRs are refused with exit code 2, naming each
difference and the command that changes it; a connection of that name that failed is reported with exit code 1 and
the advice to destroy it and connect again.`)
  static override examples = [
    `<%= config.bin %> <%= command.id %> office --ip 52.91.173.226 --cidrs 172.16.0.0/16,192.168.10.0/24 --space acme-space
Created VPN connection office in space acme-space (status: pending).
Setting up the gateway takes a few minutes. Wait for it with \`<%= config.bin %> spaces:vpn:wait office --space acme-space\`.`,
    `<%= config.bin %> <%= command.id %> office --ip 52.91.173.226 --cidrs 172.16.0.0/16,192.168.10.0/24 --space acme-space --if-not-exists
VPN connection office already existed in space acme-space with the same public IP and routable CIDRs (status: active); nothing was changed.`,
  ]
  static override flags = definitions.flags
  static override work = commandWork(definitions, connectOptions, runConnect)
}
