import {shellWord} from '../../ui/command-lines.js'
import {describePlan, type GatewayPlan} from '../plan.js'

/** The comment a tunnel configuration starts with: how its two tunnels and the updown script at `updownPath` work together. */
export function describeRouteBasedTunnels(plan: GatewayPlan, updownPath: string, startsWhen: string): string[] {
  return [
    `# Two route-based tunnels, each one IPsec SA pair that selects all traffic, as the far end (AWS Site-to-Site VPN)`,
    `# expects; a tunnel's marks let only what is routed through its interface in. ${updownPath}`,
    `# routes ${plan.remoteSubnet} through tunnel 1, or through tunnel 2 while tunnel 1 is down. Both start ${startsWhen}.`,
  ]
}

/** Where charon's updown scripts leave which IKE SA owns a tunnel interface; /run is emptied at boot. */
const OWNER_DIR = '/run/heroku-spaces-vpn'

/**
 * The updown script charon runs as each tunnel's IPsec SA comes up or goes down: it gives the tunnel its own
 * interface (a VTI keyed with the tunnel's mark) and routes the space through it, so the kernel, not policies,
 * chooses the tunnel, and replies are accepted on either one.
 */
export function renderUpdown(plan: GatewayPlan): string {
  const [first, second] = plan.tunnels
  const tunnelCases = plan.tunnels.map(
    (tunnel) =>
      `  ${shellWord(tunnel.name)}) interface=${tunnel.interfaceName} mark_in=${tunnel.markIn} mark_out=${tunnel.markOut} metric=${tunnel.routeMetric} ;;`,
  )
  return `#!/bin/sh
${describePlan(plan, 'strongSwan updown script')}
# charon runs it when a tunnel's IPsec SA comes up or goes down. What it changes on this host:
# - up: creates the tunnel's interface (${plan.tunnels.map((tunnel) => tunnel.interfaceName).join(' or ')}), gives it this host's
#   tunnel address, turns off the IPsec policy check on it and on the interface that carries the tunnel's packets, and
#   routes ${plan.remoteSubnet} through it: ${first!.name} with metric ${first!.routeMetric}, ${second!.name} with metric
#   ${second!.routeMetric}, so tunnel 1 carries the traffic while it is up and tunnel 2 otherwise;
# - down: deletes that interface, and its route with it, so the traffic moves to the other tunnel at once.
set -u

case "\${PLUTO_CONNECTION:-}" in
${tunnelCases.join('\n')}
  *) exit 0 ;;
esac
space_cidr=${plan.remoteSubnet}
owner_file=${OWNER_DIR}/$interface

case "\${PLUTO_VERB:-}" in
  up-client|up-host)
    ip link del "$interface" 2>/dev/null
    # keys differ in and out: what arrives keeps the inbound key as its mark, which must not match the outbound policy
    ip link add "$interface" type vti local "$PLUTO_ME" remote "$PLUTO_PEER" ikey "$mark_in" okey "$mark_out" || exit 1
    echo 1 > "/proc/sys/net/ipv4/conf/$interface/disable_policy"
    # loose reverse-path filtering (Debian's and Ubuntu's default) drops replies arriving on an interface without an address
    ip addr add "$PLUTO_ME/32" dev "$interface" noprefixroute
    ip link set "$interface" up
    ip route replace "$space_cidr" dev "$interface" metric "$metric"
    # the policy check on the interface the ESP arrives on would drop what the far end sends on the other tunnel
    esp_interface=$(ip -o route get "$PLUTO_PEER" | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p')
    if [ -n "$esp_interface" ]; then echo 1 > "/proc/sys/net/ipv4/conf/$esp_interface/disable_policy"; fi
    mkdir -p ${OWNER_DIR} && echo "\${PLUTO_UNIQUEID:-}" > "$owner_file"
    ;;
  down-client|down-host)
    # a reauthentication may bring the new IKE SA's tunnel up before the old one goes down: leave the new one's interface
    owner=$(cat "$owner_file" 2>/dev/null)
    if [ -z "$owner" ] || [ "$owner" = "\${PLUTO_UNIQUEID:-}" ]; then
      ip link del "$interface" 2>/dev/null
      rm -f "$owner_file"
    fi
    ;;
esac
exit 0
`
}
