import type {ConnectionTarget} from '../context.js'

import {connectionCommand} from '../command-lines.js'
import {type GatewayConfig, type GatewayPlan, IKE_PORTS} from './gateway-plan.js'

function commands(lines: readonly string[]): string[] {
  return lines.map((line) => `       ${line}`)
}

/** What to do with the generated files, from installing them to seeing Heroku report the tunnels UP. */
export function formatNextSteps(plan: GatewayPlan, gateway: GatewayConfig, target: ConnectionTarget): string {
  const tunnelIps = plan.tunnels.map((tunnel) => tunnel.ip).join(' and ')
  return [
    'Next steps:',
    `  1. ${gateway.install}`,
    `  2. Let UDP ${IKE_PORTS.join(' and ')} through any firewall in front of the VPN host, to and from ${tunnelIps}.`,
    '  3. Load the configuration:',
    ...commands(gateway.load),
    `  4. Your gateway must start the tunnels; Heroku never does. Bring them up now (traffic to ${plan.remoteSubnet} also does):`,
    ...commands(gateway.initiate),
    '  5. Check that Heroku sees every tunnel UP:',
    ...commands([connectionCommand('wait', target.name, target.space, '--tunnels-up')]),
  ].join('\n')
}
