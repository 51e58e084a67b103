import * as Flags from '@oclif/core/flags'

import type {CommandContext} from '../../../lib/actions/context.js'

import {commandWork, describe, ExitOutcome, VpnCommand} from '../../../cli/base-command.js'
import {nameArg, nameFlag, spaceFlag} from '../../../cli/flags.js'
import {nodeDoctorHost} from '../../../lib/doctor/host.js'
import {
  DEFAULT_COUNTER_INTERVAL_SECONDS,
  doctorOptions,
  type DoctorOptions,
  MAX_COUNTER_INTERVAL_SECONDS,
  runDoctor,
} from '../../../lib/doctor/run.js'
import {ExitCode} from '../../../lib/exit-codes.js'

const definitions = {
  args: {name: nameArg},
  flags: {
    interval: Flags.string({
      char: 'i',
      description: `seconds between the two reads of the IPsec error counters, 0 to ${MAX_COUNTER_INTERVAL_SECONDS} [default: ${DEFAULT_COUNTER_INTERVAL_SECONDS}]`,
    }),
    json: Flags.boolean({description: 'print the findings as one JSON document on stdout'}),
    name: nameFlag,
    space: spaceFlag,
  },
}

/** On the host it runs on: the commands it reads state with are this machine's. */
async function doctorOnThisHost(options: DoctorOptions, context: CommandContext): Promise<ExitOutcome> {
  return new ExitOutcome(await runDoctor(options, {...context, host: nodeDoctorHost()}))
}

export default class Doctor extends VpnCommand {
  static override args = definitions.args
  static override description = describe(
    `on the VPN host, say what is wrong with a VPN connection and how to fix it

Run it on the Linux host that runs strongSwan for the connection, as root. It holds three views side by side: Heroku's (the connection, its tunnels' status, keys and addresses), the files installed (compared with what spaces:vpn:config would write now; keys are compared, never shown) and what runs (charon's SAs, the kernel's SAs, the tunnel interfaces and routes, forwarding, reverse-path filtering, the IPsec policy checks, the firewall's MSS clamp and rules that drop IKE or ESP, and the IPsec error counters, read twice --interval seconds apart). Each problem comes with its evidence and a command that fixes it, worst first.

Without Heroku credentials it checks the host alone, and without root it skips what only root can read; both say what they left out. It never changes anything, on the host or at Heroku. --json prints one document (its "version" field names its schema) for monitoring.`,
    [ExitCode.problems, ExitCode.environment],
  )
  static override examples = [
    `sudo <%= config.bin %> <%= command.id %> office --space acme-space
VPN connection office in space acme-space (swanctl files)
  Tunnel 1 34.203.187.158: Heroku UP, charon up
  Tunnel 2 34.227.70.143: Heroku DOWN, charon connecting

ERROR tunnel 2: the installed pre-shared key is not Heroku's: IKE authentication fails
  evidence: the secret for 34.227.70.143 in /etc/swanctl/conf.d/acme-space-office-f74e4feff17f.conf differs from Heroku's (neither is shown)
  fix:      <%= config.bin %> spaces:vpn:config office --space acme-space --format swanctl --output-dir heroku-vpn (then run the next steps it prints)

1 problem found.`,
    `sudo <%= config.bin %> <%= command.id %> office --space acme-space --json --interval 0 | jq -r '.findings[].id'`,
  ]
  static override flags = definitions.flags
  static override work = commandWork(definitions, doctorOptions, doctorOnThisHost)
}
