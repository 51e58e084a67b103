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

/** Where the updown scripts keep their locks; /run is emptied at boot. */
const STATE_DIR = '/run/heroku-spaces-vpn'

/** In words, for the next steps: what the updown script changes in the host's firewall. */
export function firewallChange(plan: GatewayPlan): string {
  return `The updown script adds, while a tunnel is up, two rules to this host's firewall (iptables' mangle table, or an nftables table of its own where there is no iptables) that lower the TCP MSS of connections through that tunnel to ${plan.tunnelMss}, and removes them when the tunnel goes down: AWS drops larger packets without a word.`
}

/**
 * The updown script the IKE daemon (charon or pluto) runs as each tunnel's IPsec SA comes up or goes down. Up: the tunnel gets its own interface
 * (a VTI keyed with the tunnel's marks) with an MTU AWS carries, TCP through it is clamped to an MSS that fits, and the
 * space is routed through it, so the kernel, not policies, chooses the tunnel, and replies are accepted on either one.
 * Down: when the kernel holds no other SA of the tunnel, all of that goes; an SA that a reauthentication, a rekey or a
 * restart put in its place keeps it, whatever order the daemon reports them in.
 *
 * charon holds every event of every tunnel while an updown script runs, pluto does nothing else meanwhile, and IKEv1
 * sends its last Quick Mode message only afterwards, so the script only notes which SAs are going and leaves the work to a background job that acts
 * on the kernel's SAs as they are when it runs, one job at a time per tunnel.
 */
export function renderUpdown(plan: GatewayPlan): string {
  const [first, second] = plan.tunnels
  const tunnelCases = plan.tunnels.map(
    (tunnel) =>
      `  ${shellWord(tunnel.name)}) interface=${tunnel.interfaceName} mark_in=${tunnel.markIn} mark_out=${tunnel.markOut} metric=${tunnel.routeMetric} ;;`,
  )
  return `#!/bin/sh
${describePlan(plan, 'updown script')}
# The IKE daemon runs it when a tunnel's IPsec SA comes up or goes down; it returns at once and does the work in the
# background (its output goes to ${STATE_DIR}/INTERFACE.log). What it changes on this host:
# - up: creates the tunnel's interface (${plan.tunnels.map((tunnel) => tunnel.interfaceName).join(' or ')}) with MTU ${plan.tunnelMtu}, gives it this host's
#   tunnel address, turns off the IPsec policy check on it and on the interface that carries the tunnel's packets,
#   adds two firewall rules that lower the TCP MSS through it to ${plan.tunnelMss} (iptables' mangle table, or the nftables
#   table heroku-vpn-INTERFACE where there is no iptables), and routes ${plan.remoteSubnet} through it: ${first!.name}
#   with metric ${first!.routeMetric}, ${second!.name} with metric ${second!.routeMetric}, so tunnel 1 carries the traffic
#   while it is up and tunnel 2 otherwise. This host's own traffic leaves from its address in one of
#   ${plan.routableCidrs.join(', ')}, if it has one: AWS routes nothing else back into the tunnels.
# - down: when the kernel holds no other IPsec SA of the tunnel (a rekey's or a reauthentication's, which keep it),
#   deletes its interface (and with it the route) and its firewall rules, so the traffic moves to the other tunnel.
set -u

case "\${PLUTO_CONNECTION:-}" in
${tunnelCases.join('\n')}
  *) exit 0 ;;
esac
space_cidr=${plan.remoteSubnet}
routable_cidrs=${shellWord(plan.routableCidrs.join(' '))}
mtu=${plan.tunnelMtu}
mss=${plan.tunnelMss}
nft_table=heroku-vpn-$interface
state=${STATE_DIR}
mkdir -p "$state"
# the SPIs of SAs a down event announced: the IKE daemon removes them only after this script returns
gone=$state/$interface.gone
touch "$gone"

# the SPIs of the tunnel's outbound IPsec SAs in the kernel
tunnel_spis() {
  ip xfrm state list src "$PLUTO_ME" dst "$PLUTO_PEER" proto esp | sed -n 's/.* spi \\(0x[0-9a-f]*\\) .*/\\1/p'
}

# how many of them are not going
live_sas() {
  tunnel_spis | grep -c -v -x -F -f "$gone"
}

# -C|-A|-D -o|-i: the iptables rule for SYNs out of or into the tunnel
mss_rule() {
  iptables -w -t mangle "$1" FORWARD "$2" "$interface" -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss "$mss"
}

# add|delete: SYNs into and out of the tunnel carry an MSS that fits it (AWS sends no ICMP about packets too large)
clamp_mss() {
  if command -v iptables >/dev/null 2>&1; then
    for direction in -o -i; do
      if [ "$1" = add ]; then
        mss_rule -C "$direction" 2>/dev/null || mss_rule -A "$direction"
      else
        while mss_rule -D "$direction" 2>/dev/null; do :; done
      fi
    done
  elif command -v nft >/dev/null 2>&1; then
    nft delete table ip "$nft_table" 2>/dev/null
    if [ "$1" = add ]; then
      nft -f - <<EOF
table ip $nft_table {
  chain forward {
    type filter hook forward priority mangle; policy accept;
    oifname "$interface" tcp flags & (syn | rst) == syn tcp option maxseg size > $mss tcp option maxseg size set $mss
    iifname "$interface" tcp flags & (syn | rst) == syn tcp option maxseg size > $mss tcp option maxseg size set $mss
  }
}
EOF
    fi
  elif [ "$1" = add ]; then
    echo "neither iptables nor nft is installed: TCP through $interface is not clamped to MSS $mss, and large transfers may stall"
  fi
}

# this host's address in one of your networks, if it has one
host_source() {
  for cidr in $routable_cidrs; do
    address=$(ip -4 -o addr show to "$cidr" | awk '{ sub(/\\/.*/, "", $4); print $4; exit }')
    if [ -n "$address" ]; then echo "$address"; return; fi
  done
}

tunnel_up() {
  # keys differ in and out: what arrives keeps the inbound key as its mark, which must not match the outbound policy
  if ! ip -d -o link show dev "$interface" 2>/dev/null | grep -q "vti remote $PLUTO_PEER local $PLUTO_ME "; then
    ip link del "$interface" 2>/dev/null
    ip link add "$interface" type vti local "$PLUTO_ME" remote "$PLUTO_PEER" ikey "$mark_in" okey "$mark_out" || return
  fi
  ip link set "$interface" mtu "$mtu"
  echo 1 > "/proc/sys/net/ipv4/conf/$interface/disable_policy"
  # loose reverse-path filtering (Debian's and Ubuntu's default) drops replies arriving on an interface without an address
  ip addr replace "$PLUTO_ME/32" dev "$interface" noprefixroute
  ip link set "$interface" up
  clamp_mss add
  source=$(host_source)
  ip route replace "$space_cidr" dev "$interface" metric "$metric" \${source:+src "$source"}
  # the policy check on the interface the ESP arrives on would drop what the far end sends on the other tunnel
  esp_interface=$(ip -o route get "$PLUTO_PEER" | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p')
  if [ -n "$esp_interface" ]; then echo 1 > "/proc/sys/net/ipv4/conf/$esp_interface/disable_policy"; fi
}

tunnel_down() {
  ip link del "$interface" 2>/dev/null
  clamp_mss delete
}

case "\${PLUTO_VERB:-}" in
  up-client|up-host)
    (
      flock 9
      if [ "$(live_sas)" -gt 0 ]; then tunnel_up; fi
    ) 9>"$state/$interface.lock" >"$state/$interface.log" 2>&1 &
    ;;
  down-client|down-host)
    spis=$(tunnel_spis)
    # the SA going is the tunnel's only one: it is the one to forget (the newest sixteen are remembered)
    if [ "$(echo "$spis" | grep -c .)" -le 1 ]; then
      { echo "$spis"; head -n 15 "$gone"; } | grep . > "$gone.new"
      mv "$gone.new" "$gone"
    fi
    # with several, wait until the kernel holds none, or give the tunnel to the one that stays
    (
      for _ in $(seq 50); do
        flock 9
        if [ "$(live_sas)" -eq 0 ]; then
          tunnel_down
          exit 0
        fi
        flock -u 9
        sleep 0.2
      done
    ) 9>"$state/$interface.lock" >"$state/$interface.log" 2>&1 &
    ;;
esac
exit 0
`
}
