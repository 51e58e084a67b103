import {commandWork, describe, VpnCommand} from '../../../cli/base-command.js'
import {jsonFlag, spaceFlag} from '../../../cli/flags.js'
import {connectionsOptions, runConnections} from '../../../lib/actions/connections.js'

const definitions = {args: {}, flags: {json: jsonFlag, space: spaceFlag}}

export default class Connections extends VpnCommand {
  static override description = describe(
    'list the VPN connections of a Private Space, with their status and tunnel states',
  )
  static override examples = [
    `<%= config.bin %> <%= command.id %> --space acme-space
=== acme-space VPN connections

Name    ID                                    Public IP      Routable CIDRs  Status  Tunnels
──────  ────────────────────────────────────  ─────────────  ──────────────  ──────  ───────
office  5e1f0ba2-3c4d-4e5f-8a9b-0c1d2e3f4a5b  52.91.173.226  172.16.0.0/16   active  UP/UP`,
  ]
  static override flags = definitions.flags
  static override work = commandWork(definitions, connectionsOptions, runConnections)
}
