import type {ConnectionTarget} from '../api/types.js'

import {connectionCommand, shellWord} from '../ui/command-lines.js'
import {ESP_PROTOCOL, FILE_MODES, type GatewayConfig, type GatewayFile, type GatewayPlan, IKE_PORTS} from './plan.js'

function commands(lines: readonly string[]): string[] {
  return lines.map((line) => `       ${line}`)
}

export function octalMode(file: GatewayFile): string {
  return `0${FILE_MODES[file.kind].toString(8)}`
}

/** The generated files as printed: each under a `# /absolute/path` line that names where it goes and is not part of it. */
export function printedFiles(files: readonly GatewayFile[]): string {
  return files.map((file) => `# ${file.destination}\n${file.content}`).join('\n')
}

/** `sudo install` lines for files written to disk, in the order given. */
function installCommands(files: readonly GatewayFile[], writtenPaths: readonly string[]): string[] {
  return files.map(
    (file, index) =>
      `sudo install -D -m ${octalMode(file)} ${shellWord(writtenPaths[index]!)} ${shellWord(file.destination)}`,
  )
}

/**
 * What to do with the generated files, from installing them to seeing Heroku report the tunnels UP. The command
 * lines are what the real-kernel lab runs, in this order.
 */
export function formatNextSteps(
  plan: GatewayPlan,
  gateway: GatewayConfig,
  target: ConnectionTarget,
  writtenPaths?: readonly string[],
): string {
  const tunnelIps = plan.tunnels.map((tunnel) => tunnel.ip).join(' and ')
  const install =
    writtenPaths === undefined
      ? [
          '  1. Save each file on your VPN host at the path on the line above it (that line is not part of the file), with these modes:',
          ...gateway.files.map((file) => `       ${octalMode(file)} ${file.destination}`),
        ]
      : ['  1. Install the files on your VPN host:', ...commands(installCommands(gateway.files, writtenPaths))]
  return [
    'Next steps:',
    ...install,
    ...gateway.hostChanges.map((change) => `     ${change}`),
    `  2. Let UDP ${IKE_PORTS.join(' and ')} and ESP (IP protocol ${ESP_PROTOCOL}) through any firewall in front of the VPN host, to and from ${tunnelIps}.`,
    `     Behind a 1:1 NAT (a cloud VM whose public IP ${plan.identity} maps to a private address), forward UDP ${IKE_PORTS.join(' and ')} to the host: the tunnels then run in UDP ${IKE_PORTS[1]}.`,
    ...(plan.localIp === undefined
      ? [
          `     strongSwan uses the address the host routes to ${tunnelIps} from; if the host has several, give the right one with --local-ip.`,
        ]
      : []),
    `  3. Apply the kernel settings and restart ${gateway.daemon}. Both tunnels come up by themselves, now and whenever ${gateway.daemon} starts:`,
    ...commands(gateway.activate),
    '  4. Check that Heroku sees every tunnel UP:',
    ...commands([connectionCommand('wait', target.name, target.space, '--tunnels-up')]),
  ].join('\n')
}
