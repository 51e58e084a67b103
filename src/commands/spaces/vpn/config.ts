import * as Flags from '@oclif/core/flags'

import {commandWork, describe, VpnCommand} from '../../../cli/base-command.js'
import {nameArg, nameFlag, spaceFlag} from '../../../cli/flags.js'
import {CONFIG_FORMATS, configOptions, runConfig} from '../../../lib/actions/config.js'
import {GATEWAY_FORMAT_NAMES, GATEWAY_FORMATS} from '../../../lib/gateway/formats.js'

/** "--format strongswan generates ipsec.conf and ipsec.secrets, --format swanctl a swanctl.conf" */
const GATEWAY_FORMATS_HELP = GATEWAY_FORMAT_NAMES.map(
  (name, index) => `--format ${name} ${index === 0 ? 'generates ' : ''}${GATEWAY_FORMATS[name].description}`,
).join(', ')

/** What the help of the flags only the gateway formats take starts with: "strongswan/swanctl". */
const GATEWAY_ONLY = GATEWAY_FORMAT_NAMES.join('/')

const definitions = {
  args: {name: nameArg},
  flags: {
    force: Flags.boolean({description: 'with --output-dir: replace files that exist'}),
    format: Flags.option({default: 'table', description: 'what to print', options: CONFIG_FORMATS})(),
    json: Flags.boolean({description: 'shorthand for --format json', exclusive: ['format']}),
    'local-ip': Flags.string({
      description: `${GATEWAY_ONLY}: your VPN host's own IPv4 address (the private one behind a 1:1 NAT), if it has several [default: the one it routes to the tunnel IPs from]`,
    }),
    name: nameFlag,
    'output-dir': Flags.string({
      description: `${GATEWAY_ONLY}: write the files into this directory, one only you and root can change, instead of printing them`,
    }),
    space: spaceFlag,
  },
}

export default class Config extends VpnCommand {
  static override args = definitions.args
  static override description =
    describe(`show what your VPN gateway needs, pre-shared keys included, or generate its strongSwan configuration

--format table (the default) prints the tunnel table of spaces:vpn:info with each tunnel's pre-shared key; --format json prints the Platform API's object. Keep the output private.

${GATEWAY_FORMATS_HELP}, each with what route-based tunnels need on a Linux gateway: an updown script that gives each tunnel its own interface, lowers the TCP MSS through it to what AWS carries, and routes the space through tunnel 1 while it is up and tunnel 2 otherwise, charon settings, and kernel settings. Both tunnels start with strongSwan, carry large transfers from your LAN and from the host, directly or behind a 1:1 NAT, and come back by themselves after Heroku's maintenance, a far end that went silent, rekeys or a restart: this is proven on a real Linux kernel against a far end that behaves like AWS's. Proposals are the article's, spelled so strongSwan accepts them (aes256-sha256-modp2048). The files are printed, each under a line naming where it goes (not part of the file), or written into --output-dir with their modes (keys 0600; existing files are replaced only with --force). The next steps follow on stderr, including what the files change on the host beyond the tunnels.`)
  static override examples = [
    `<%= config.bin %> <%= command.id %> office --space acme-space
=== acme-space VPN connection office: tunnel configuration

VPN Tunnel  Customer Gateway  VPN Gateway     Pre-shared Key  Routable Subnets  IKE Version
──────────  ────────────────  ──────────────  ──────────────  ────────────────  ───────────
Tunnel 1    52.91.173.226     34.203.187.158  abcdef12345     10.0.0.0/16       1
Tunnel 2    52.91.173.226     34.227.70.143   123456abcdef    10.0.0.0/16       1`,
    `<%= config.bin %> <%= command.id %> office --space acme-space --format strongswan --local-ip 172.16.0.2 --output-dir gateway
Wrote gateway/heroku-vpn-ipsec.conf (mode 0644), for /etc/ipsec.conf
Wrote gateway/heroku-vpn-ipsec.secrets (mode 0600, holds the pre-shared keys), for /etc/ipsec.secrets
Wrote gateway/heroku-vpn-updown.sh (mode 0755), for /etc/ipsec.d/acme-space-office-f74e4feff17f-updown.sh
Wrote gateway/heroku-vpn-strongswan.conf (mode 0644), for /etc/strongswan.d/heroku-spaces-vpn.conf
Wrote gateway/heroku-vpn-sysctl.conf (mode 0644), for /etc/sysctl.d/90-heroku-spaces-vpn.conf`,
    `<%= config.bin %> <%= command.id %> office --space acme-space --format swanctl > gateway.txt`,
  ]
  static override flags = definitions.flags
  static override work = commandWork(definitions, configOptions, runConfig)
}
