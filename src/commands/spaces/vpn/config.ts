import {Flags} from '@oclif/core'

import {CONFIG_FORMATS, showConfig} from '../../../lib/actions/config.js'
import {describe, VpnCommand} from '../../../cli/base-command.js'
import {connectionName, nameArg, nameFlag, spaceFlag} from '../../../cli/flags.js'

export default class Config extends VpnCommand {
  static override args = {name: nameArg}

  static override description = describe(`show what your VPN gateway needs, pre-shared keys included

The tunnel table of spaces:vpn:info with each tunnel's pre-shared key. Keep the output private.`)

  static override examples = [
    `<%= config.bin %> <%= command.id %> office --space acme-space
=== acme-space VPN connection office: tunnel configuration

VPN Tunnel  Customer Gateway  VPN Gateway     Pre-shared Key  Routable Subnets  IKE Version
──────────  ────────────────  ──────────────  ──────────────  ────────────────  ───────────
Tunnel 1    52.91.173.226     34.203.187.158  abcdef12345     10.0.0.0/16       1
Tunnel 2    52.91.173.226     34.227.70.143   123456abcdef    10.0.0.0/16       1`,
  ]

  static override flags = {
    format: Flags.string({default: 'table', description: 'what to print', options: [...CONFIG_FORMATS]}),
    json: Flags.boolean({description: 'shorthand for --format json', exclusive: ['format']}),
    name: nameFlag,
    space: spaceFlag,
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Config)
    const format = flags.json ? 'json' : (flags.format as (typeof CONFIG_FORMATS)[number])
    await showConfig({format, name: connectionName(args.name, flags.name), space: flags.space}, this.buildContext())
  }
}
