#!/bin/bash
# One lab run inside a virtual machine running Debian's kernel (ESP, policies with marks, VTI). Reads RUN/params.env,
# builds three network namespaces and plays the life of a customer gateway against an AWS-like far end, writing what
# happened as JSON lines to RUN/events.jsonl for the test to judge. Logs go to RUN/*.log.
#
#   office (your network)      gw (customer gateway)                     aws (far end: the Private Space's VPN)
#   lo: a host in each   ---   lan0 198.18.0.1/30                        lo: a host in the space
#   routable CIDR              wan0 CUSTOMER_IP ------------------------ wan0: both tunnel IPs
#   default via gw             generated files at their real paths        route-based: a VTI per tunnel, selectors
#                              Debian's sysctl (rp_filter=2)              0.0.0.0/0, strict proposals, a PSK per
#                              default route out of wan0                  tunnel, DPD that clears; replies leave by
#                                                                         tunnel 2 while it is up (the customer
#                                                                         sends by tunnel 1)
#
# Each of gw and aws has its own mount namespace (its own /etc copy and /run), so each charon sees its own files.
# Only documentation and benchmarking addresses are used, and only inside this kernel.
set -uo pipefail

RUN=$1
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC1091
source "$RUN/params.env"
read -r -a TUNNEL_IP <<<"$TUNNEL_IPS"
read -r -a ROUTABLE <<<"$ROUTABLE_CIDRS"
STATE=/var/tmp/lab
PORT=7000
mkdir -p "$STATE/shim"

now() { date +%s.%N; }
event() { # name [json fields...]
  local fields="\"event\":\"$1\",\"t\":$(now)"
  shift
  for field in "$@"; do fields+=",$field"; done
  echo "{$fields}" >>"$RUN/events.jsonl"
}
say() { echo "lab: $*"; }
fail() { say "FAILED: $*"; event failed "\"reason\":\"$*\""; exit 1; }

ip2int() { local IFS=.; local a b c d; read -r a b c d <<<"$1"; echo $(((a << 24) | (b << 16) | (c << 8) | d)); }
int2ip() { local n=$1; echo "$(((n >> 24) & 255)).$(((n >> 16) & 255)).$(((n >> 8) & 255)).$((n & 255))"; }
cidr_host() { int2ip $(($(ip2int "${1%/*}") + $2)); }

SPACE_HOST=$(cidr_host "$SPACE_CIDR" 10)
OFFICE_HOSTS=()
for cidr in "${ROUTABLE[@]}"; do OFFICE_HOSTS+=("$(cidr_host "$cidr" 1)"); done

# ---------------------------------------------------------------- sides: a network namespace (+ mount namespace)
holder() { cat "$STATE/$1.holder"; }
in_side() { # side cmd...: in the side's network and mount namespaces
  local side=$1
  shift
  nsenter -t "$(holder "$side")" -m -n -- "$@"
}

start_side() { # side: new network namespace, and a mount namespace with the side's /etc (kept across reboots) and a fresh /run
  local side=$1
  ip netns add "$side"
  ip -n "$side" link set lo up
  if [[ ! -d $STATE/$side/etc ]]; then
    mkdir -p "$STATE/$side"
    cp -a /etc "$STATE/$side/etc"
  fi
  ip netns exec "$side" unshare -m --propagation private sh -c "
    mount --bind '$STATE/$side/etc' /etc && mount -t tmpfs tmpfs /run && echo \$\$ > '$STATE/$side.holder' && exec sleep 100000" &
  for _ in $(seq 50); do [[ -s $STATE/$side.holder ]] && return 0; sleep 0.1; done
  fail "the $side side did not start"
}

stop_side() { # side: what a power cut does: every process killed, every interface, SA and policy gone
  local side=$1
  local pids
  pids=$(ip netns pids "$side" 2>/dev/null)
  [[ -n $pids ]] && kill -9 $pids 2>/dev/null
  sleep 0.3
  rm -f "$STATE/$side.holder"
  ip netns del "$side" 2>/dev/null
}

# ---------------------------------------------------------------- the networks
link_office() { # office <-> gw; the gateway routes the routable CIDRs to the office (the user's own LAN routes)
  ip link add lan0 netns gw type veth peer name lan0 netns office
  ip -n gw addr add 198.18.0.1/30 dev lan0
  ip -n gw link set lan0 up
  ip -n office link set lan0 up
  ip -n office addr add 198.18.0.2/30 dev lan0
  ip -n office route add default via 198.18.0.1 dev lan0
  for cidr in "${ROUTABLE[@]}"; do ip -n gw route add "$cidr" via 198.18.0.2 dev lan0; done
}

link_wan() { # gw <-> aws: the Internet between the customer gateway and the two tunnel endpoints
  ip link add wan0 netns gw type veth peer name wan0 netns aws
  ip -n gw addr add "$CUSTOMER_IP/32" dev wan0
  ip -n gw link set wan0 up
  ip -n aws link set wan0 up
  ip -n gw route add default dev wan0
  for ip in "${TUNNEL_IP[@]}"; do ip -n aws addr add "$ip/32" dev wan0; done
  ip -n aws route add "$CUSTOMER_IP/32" dev wan0
  ip netns exec aws sysctl -qw net.ipv4.conf.wan0.disable_policy=1
}

debian_sysctl() { # a Debian/Ubuntu host as installed (procps and systemd's defaults), before the generated files
  in_side gw sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2 net.ipv4.ip_forward=0
}

apply_boot_sysctl() { # what systemd-sysctl does at boot with the files in /etc/sysctl.d
  local file
  for file in "$STATE/gw/etc/sysctl.d/"*.conf; do
    [[ -e $file ]] && in_side gw sysctl -q -p "/etc/sysctl.d/$(basename "$file")"
  done
}

# ---------------------------------------------------------------- the far end, modelled on AWS Site-to-Site VPN
far_end_config() {
  local n ip dpd_timeout=""
  [[ $IKE == 1 ]] && dpd_timeout="dpd_timeout = 30s"
  {
    echo "connections {"
    for n in 1 2; do
      ip=${TUNNEL_IP[n - 1]}
      cat <<EOF
  tunnel$n {
    version = $IKE
    local_addrs = $ip
    remote_addrs = $CUSTOMER_IP
    proposals = aes256-sha256-modp2048
    unique = replace
    dpd_delay = 10s
    $dpd_timeout
    local { auth = psk
      id = $ip }
    remote { auth = psk
      id = $CUSTOMER_IP }
    children {
      tunnel$n {
        local_ts = 0.0.0.0/0
        remote_ts = 0.0.0.0/0
        esp_proposals = aes256-sha256-modp2048
        mark_in = $n
        mark_out = $n
        updown = $STATE/far-end-updown.sh
        dpd_action = clear
      }
    }
  }
EOF
    done
    echo "}"
    echo "secrets {"
    for n in 1 2; do
      echo "  ike-$n { id = ${TUNNEL_IP[n - 1]}"
      echo "    secret = $(sed -n "${n}p" "$RUN/far-end-psks") }"
    done
    echo "}"
  } >"$STATE/aws/etc/swanctl/swanctl.conf"

  # AWS gives up on a silent customer gateway after about 30 s, IKEv1 (dpd_timeout) and IKEv2 alike
  cat >"$STATE/aws/etc/strongswan.d/zz-far-end.conf" <<EOF
charon {
  install_routes = no
  retransmit_timeout = 3
  retransmit_base = 1.5
  retransmit_tries = 3
  filelog { lab { path = $RUN/far-end-charon.log
    time_format = %H:%M:%S
    default = 1
    ike = 2
    knl = 2 } }
}
EOF
  # replies leave by tunnel 2 while it is up: AWS, not the customer, picks the tunnel it answers on
  cat >"$STATE/far-end-updown.sh" <<EOF
#!/bin/sh
n=\${PLUTO_CONNECTION#tunnel}
metric=200; [ "\$n" = 2 ] && metric=100
case "\$PLUTO_VERB" in
  up-client)
    ip link del vti\$n 2>/dev/null
    ip link add vti\$n type vti local "\$PLUTO_ME" remote "\$PLUTO_PEER" key \$n
    echo 1 > /proc/sys/net/ipv4/conf/vti\$n/disable_policy
    ip link set vti\$n up
    for cidr in $ROUTABLE_CIDRS; do ip route replace \$cidr dev vti\$n metric \$metric; done ;;
  down-client) ip link del vti\$n 2>/dev/null ;;
esac
EOF
  chmod +x "$STATE/far-end-updown.sh"
}

start_far_end() {
  ip -n aws addr add "$SPACE_HOST/32" dev lo
  in_side aws sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  # what reaches the space must have come through a tunnel: clear text from the Internet is dropped
  in_side aws iptables-legacy -A INPUT -i wan0 -d "$SPACE_CIDR" -j DROP
  far_end_config
  in_side aws /usr/lib/ipsec/charon >/dev/null 2>&1 &
  for _ in $(seq 100); do in_side aws test -S /run/charon.vici && break; sleep 0.1; done
  in_side aws swanctl --load-all --noprompt >"$RUN/far-end-load.log" 2>&1 || fail "the far end did not load its configuration"
  ip netns exec aws python3 "$HERE/echo-server.py" "$PORT" &
}

far_end_block() { # tunnel: the far end answers nothing on that tunnel's address
  in_side aws iptables-legacy -I INPUT -d "${TUNNEL_IP[$1 - 1]}" -j DROP
  in_side aws iptables-legacy -I OUTPUT -s "${TUNNEL_IP[$1 - 1]}" -j DROP
}
far_end_unblock() {
  in_side aws iptables-legacy -D INPUT -d "${TUNNEL_IP[$1 - 1]}" -j DROP
  in_side aws iptables-legacy -D OUTPUT -s "${TUNNEL_IP[$1 - 1]}" -j DROP
}

# ---------------------------------------------------------------- the customer gateway, as the user installs it
install_shims() {
  # sudo: the lab is root already. systemctl: what systemd does with Debian's strongswan.service (charon-systemd).
  printf '#!/bin/sh\nexec "$@"\n' >"$STATE/shim/sudo"
  cat >"$STATE/shim/systemctl" <<'EOF'
#!/bin/bash
unit=/lib/systemd/system/${2%.service}.service
[[ $1 == restart || $1 == start ]] && [[ -f $unit ]] || { echo "lab systemctl: cannot $*" >&2; exit 1; }
pkill -x charon-systemd && for _ in $(seq 50); do pgrep -x charon-systemd >/dev/null || break; sleep 0.1; done
start=$(sed -n 's/^ExecStart=//p' "$unit")
post=$(sed -n 's/^ExecStartPost=//p' "$unit")
setsid $start >/dev/null 2>&1 </dev/null &
for _ in $(seq 100); do [[ -S /run/charon.vici ]] && break; sleep 0.1; done
$post
EOF
  chmod +x "$STATE/shim/"*
}

gw_shell() { in_side gw env PATH="$STATE/shim:$PATH" sh -c "$1"; }

start_logger() { # charon-systemd logs only to the journal: follow it over vici instead
  if [[ $STYLE == swanctl ]]; then
    in_side gw sh -c "exec swanctl --log >>'$RUN/gateway-charon.log' 2>&1" &
  fi
}

boot_gateway() { # a fresh kernel network state with the installed files; strongSwan started as its service does at boot
  start_side gw
  link_wan
  link_office
  debian_sysctl
  apply_boot_sysctl
  if [[ $STYLE == ipsec ]]; then
    gw_shell 'ipsec start' >>"$RUN/gateway-commands.log" 2>&1
  else
    gw_shell 'systemctl start strongswan' >>"$RUN/gateway-commands.log" 2>&1
  fi
  start_logger
}

# ---------------------------------------------------------------- observations
sa_count() { # side tunnel-number -> number of IPsec SAs between that side's and the tunnel's addresses
  local ip=${TUNNEL_IP[$2 - 1]}
  ip -n "$1" xfrm state | grep -cE "^src ($CUSTOMER_IP dst $ip|$ip dst $CUSTOMER_IP)\$"
}
tunnel_up() { [[ $(sa_count gw "$1") -ge 2 && $(sa_count aws "$1") -ge 2 ]]; }
both_up() { tunnel_up 1 && tunnel_up 2; }
wait_for() { # seconds cmd...: poll every 0.2 s
  local end=$(($(date +%s) + $1))
  shift
  while (($(date +%s) < end)); do "$@" && return 0; sleep 0.2; done
  return 1
}
vti_bytes() { ip -n aws -s -j link show "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['stats64']['$2']['bytes'])"; }

check_sa_pairs() { # step: exactly one SA pair per tunnel on both sides
  local n side counts=""
  for n in 1 2; do for side in gw aws; do counts+="\"$side$n\":$(sa_count $side $n),"; done; done
  event sa-pairs "\"step\":\"$1\"" "\"counts\":{${counts%,}}"
}

check_tcp() { # step: 64 KiB echoed from a host in every routable CIDR; which tunnel carried each way
  local host ok before_in before_out
  before_in=$(vti_bytes vti1 rx)
  before_out=$(vti_bytes vti2 tx)
  for host in "${OFFICE_HOSTS[@]}"; do
    ok=false
    ip netns exec office python3 "$HERE/tcp-check.py" "$host" "$SPACE_HOST" "$PORT" >>"$RUN/tcp.log" 2>&1 && ok=true
    event tcp "\"step\":\"$1\"" "\"from\":\"$host\"" "\"ok\":$ok"
  done
  dump_state "$1"
  event carried "\"step\":\"$1\"" "\"tunnel1In\":$(($(vti_bytes vti1 rx) - before_in))" "\"tunnel2Out\":$(($(vti_bytes vti2 tx) - before_out))"
}

dump_state() { # step: what a person debugging the gateway would look at, for the test's failure message
  {
    echo "=== $1"
    for side in gw aws; do
      echo "--- $side: addresses, routes, policies, SAs, XFRM and reverse-path counters"
      ip -n "$side" -br addr
      ip -n "$side" route
      ip -n "$side" xfrm policy | grep -E '^(src|	dir|	mark)'
      ip -n "$side" xfrm state | grep -E '^(src|	mark)'
      ip netns exec "$side" cat /proc/net/xfrm_stat | awk '$2 != 0'
      # /proc/net/netstat has a line of TcpExt names, then one of their values
      ip netns exec "$side" awk '/^TcpExt:/ { if (!n++) split($0, name); else for (i in name) if (name[i] == "IPReversePathFilter") print name[i], $i }' /proc/net/netstat
      for dev in $(ip -n "$side" -o link show type vti | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
        echo "$dev rx/tx bytes: $(ip -n "$side" -s -j link show "$dev" | python3 -c 'import json,sys; s=json.load(sys.stdin)[0]["stats64"]; print(s["rx"]["bytes"], s["tx"]["bytes"], "rx dropped", s["rx"]["dropped"], "tx errors", s["tx"]["errors"])')"
      done
    done
  } >>"$RUN/state.txt" 2>&1
}

# ---------------------------------------------------------------- scenarios
bring_up() {
  start_side aws
  start_side office
  for host in "${OFFICE_HOSTS[@]}"; do ip -n office addr add "$host/32" dev lo; done
  start_side gw
  link_wan
  link_office
  debian_sysctl
  start_far_end
  install_shims
  # the next steps, as printed by spaces:vpn:config, in order (sudo lines: the heroku one runs outside this kernel)
  sed -n 's/^       \(sudo .*\)$/\1/p' "$RUN/next-steps.txt" >"$STATE/next-steps.sh"
  event load
  while IFS= read -r line; do
    say "next step: $line"
    gw_shell "$line" >>"$RUN/gateway-commands.log" 2>&1 || fail "next step failed: $line"
  done <"$STATE/next-steps.sh"
  start_logger
  wait_for 60 both_up && event both-up || { event both-up-timeout; fail "the tunnels did not come up within 60 s"; }
}

maintenance() { # tunnel: the far end deletes the tunnel's SAs, is away for a while, and comes back
  local n=$1
  event maintenance-start "\"tunnel\":$n"
  # the endpoint going away takes no new negotiation (IKE, UDP) but carries ESP until it says so with a DELETE
  in_side aws iptables-legacy -I INPUT -d "${TUNNEL_IP[n - 1]}" -p udp -j DROP
  in_side aws swanctl --terminate --ike "tunnel$n" --force >>"$RUN/far-end-commands.log" 2>&1
  sleep 0.5
  far_end_block "$n"
  in_side aws iptables-legacy -D INPUT -d "${TUNNEL_IP[n - 1]}" -p udp -j DROP
  sleep "$MAINTENANCE_AWAY"
  far_end_unblock "$n"
  event far-end-back "\"tunnel\":$n"
  wait_for 240 tunnel_up "$n" && event tunnel-up "\"tunnel\":$n" || event tunnel-up-timeout "\"tunnel\":$n"
}

silent_loss() { # tunnel: the far end stops answering without a word, and answers again later
  local n=$1
  event silent-loss-start "\"tunnel\":$n"
  far_end_block "$n"
  sleep "$SILENT_AWAY"
  far_end_unblock "$n"
  event far-end-back "\"tunnel\":$n"
  # the far end's SAs from before are gone only once its DPD has cleared them: wait for the new ones
  wait_for 300 tunnel_up "$n" && event tunnel-up "\"tunnel\":$n" || event tunnel-up-timeout "\"tunnel\":$n"
}

restart_gateway() {
  stop_side gw
  event restart
  boot_gateway
  wait_for 60 both_up && event both-up || event both-up-timeout
}

bring_up
check_sa_pairs initial
check_tcp initial
[[ ${SCENARIOS:-all} == bring-up ]] && { event done; exit 0; }
ip netns exec office python3 "$HERE/probe.py" "${OFFICE_HOSTS[0]}" "$SPACE_HOST" "$PORT" "$RUN/probe.jsonl" &
sleep 2
maintenance 1
sleep 3
maintenance 2
sleep 3
silent_loss 1
sleep 3
check_sa_pairs after-outages
check_tcp after-outages
restart_gateway
sleep 2
check_sa_pairs after-restart
check_tcp after-restart
event done
