import {commandWork, describe, VpnCommand} from '../../../cli/base-command.js'
import {jsonFlag, nameArg, nameFlag, spaceFlag} from '../../../cli/flags.js'
import {infoOptions, runInfo} from '../../../lib/actions/info.js'

const definitions = {args: {name: nameArg}, flags: {json: jsonFlag, name: nameFlag, space: spaceFlag}}

export default class Info extends VpnCommand {
  static override args = definitions.args
  static override description =
    describe(`show a VPN connection: its state, and the tunnel table your gateway is configured from

The table follows the Private Space VPN article: one row per tunnel with the customer gateway, the VPN gateway, the
routable subnets (the space's CIDR block, routed into the tunnels) and the IKE version. Pre-shared keys are left
out: spaces:vpn:config shows them, and --json includes them.`)
  static override examples = [
    `<%= config.bin %> <%= command.id %> office --space acme-space
=== acme-space VPN connection office

Name:           office
ID:             5e1f0ba2-3c4d-4e5f-8a9b-0c1d2e3f4a5b
Public IP:      52.91.173.226
Routable CIDRs: 172.16.0.0/16
Status:         active

VPN Tunnel  Customer Gateway  VPN Gateway     Routable Subnets  IKE Version
──────────  ────────────────  ──────────────  ────────────────  ───────────
Tunnel 1    52.91.173.226     34.203.187.158  10.0.0.0/16       1
Tunnel 2    52.91.173.226     34.227.70.143   10.0.0.0/16       1

Tunnel    Status  Since                 Message
────────  ──────  ────────────────────  ───────
Tunnel 1  UP      2026-11-24T10:02:13Z
Tunnel 2  UP      2026-11-24T10:02:13Z

Pre-shared keys are not shown here: run \`<%= config.bin %> spaces:vpn:config office --space acme-space\`, or add --json.`,
    `<%= config.bin %> <%= command.id %> office --space acme-space --json | jq -r '.tunnels[].pre_shared_key'`,
  ]
  static override flags = definitions.flags
  static override work = commandWork(definitions, infoOptions, runInfo)
}
