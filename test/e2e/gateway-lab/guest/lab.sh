#!/bin/bash
# One lab run inside a virtual machine running Debian's kernel (ESP, policies with marks, VTI, nftables). Reads
# RUN/params.env, builds the network namespaces below and plays the life of a customer gateway against an AWS-like far
# end, writing what happened as JSON lines to RUN/events.jsonl for the test to judge. Logs go to RUN/*.log.
#
#   office (your LAN)           gw (customer gateway)            [nat]              aws (far end)          space
#   lan0: a host in the first   lan0: this host's LAN address    1:1 NAT between    routes to aws1 and     a dyno:
#   routable CIDR; lo: a host   wan0: CUSTOMER_IP (direct) or    the gateway's      aws2, each a tunnel    SPACE_HOST,
#   in each of the others,      GW_PRIVATE_IP behind the NAT     private address    IP, a charon and a     behind the
#   routed by the gateway       files installed at their paths   and CUSTOMER_IP    VTI; drops what AWS    far end
#                                                                                   drops (sizes)
#
# Each of gw, aws1 and aws2 has its own mount namespace (its own /etc copy and /run), so each daemon sees its own files.
# Only documentation and benchmarking addresses are used, and only inside this machine.
set -uo pipefail

RUN=$1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC1091
source "$RUN/params.env"
read -r -a TUNNEL_IP <<<"$TUNNEL_IPS"
read -r -a ROUTABLE <<<"$ROUTABLE_CIDRS"
STATE=/var/tmp/lab
ECHO_PORT=7000
TRANSFER_PORT=7001
GW_PRIVATE_IP=198.18.1.2
NAT_INSIDE_IP=198.18.1.1
AWS_DC_IP=198.18.2.1
SPACE_DC_IP=198.18.2.2
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
# the first routable network is the LAN the gateway sits on; the others are routed to it by a host of that LAN
LAN_PREFIX=${ROUTABLE[0]#*/}
GW_LAN_IP=$(cidr_host "${ROUTABLE[0]}" 254)
OFFICE_HOSTS=()
for cidr in "${ROUTABLE[@]}"; do OFFICE_HOSTS+=("$(cidr_host "$cidr" 1)"); done
if [[ $TOPOLOGY == nat ]]; then GW_WAN_IP=$GW_PRIVATE_IP; else GW_WAN_IP=$CUSTOMER_IP; fi

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

stop_side() { # side: what a power cut does: every process killed, every interface, SA, policy and firewall rule gone
  local side=$1
  local pids
  pids=$(ip netns pids "$side" 2>/dev/null)
  [[ -n $pids ]] && kill -9 $pids 2>/dev/null
  sleep 0.3
  rm -f "$STATE/$side.holder"
  ip netns del "$side" 2>/dev/null
}

# ---------------------------------------------------------------- the networks
link_office() { # office <-> gw: the LAN; the gateway routes the other routable CIDRs to the office host that has them
  local cidr
  ip link add lan0 netns gw type veth peer name lan0 netns office
  ip -n gw addr add "$GW_LAN_IP/$LAN_PREFIX" dev lan0
  ip -n gw link set lan0 up
  ip -n office link set lan0 up
  ip -n office addr add "${OFFICE_HOSTS[0]}/$LAN_PREFIX" dev lan0
  ip -n office route add default via "$GW_LAN_IP" dev lan0
  for cidr in "${ROUTABLE[@]:1}"; do ip -n gw route add "$cidr" via "${OFFICE_HOSTS[0]}" dev lan0; done
}

link_wan() { # gw -> the Internet, directly or through the NAT; the Internet reaches both tunnel endpoints
  local ip
  if [[ $TOPOLOGY == nat ]]; then
    ip link add wan0 netns gw type veth peer name in0 netns nat
    ip -n gw addr add "$GW_PRIVATE_IP/24" dev wan0
    ip -n gw link set wan0 up
    ip -n gw route add default via "$NAT_INSIDE_IP" dev wan0
  else
    ip link add wan0 netns gw type veth peer name wan0 netns aws
    ip -n gw addr add "$CUSTOMER_IP/32" dev wan0
    ip -n gw link set wan0 up
    ip -n gw route add default dev wan0
    aws_wan_up
  fi
}

aws_wan_up() { # the far end's side of the Internet, which answers for the tunnel IPs behind it
  ip -n aws link set wan0 up
  ip -n aws route add "$CUSTOMER_IP/32" dev wan0
  ip netns exec aws sysctl -qw net.ipv4.conf.wan0.proxy_arp=1
}

start_nat() { # a cloud provider's 1:1 NAT: the gateway's private address is CUSTOMER_IP on the Internet, both ways
  local ip
  start_side nat
  ip link add wan0 netns nat type veth peer name wan0 netns aws
  ip -n nat addr add "$CUSTOMER_IP/32" dev wan0
  ip -n nat link set wan0 up
  ip -n nat route add default dev wan0
  aws_wan_up
  in_side nat sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  in_side nat iptables-legacy -t nat -A POSTROUTING -o wan0 -s "$GW_PRIVATE_IP" -j SNAT --to-source "$CUSTOMER_IP"
  in_side nat iptables-legacy -t nat -A PREROUTING -i wan0 -d "$CUSTOMER_IP" -j DNAT --to-destination "$GW_PRIVATE_IP"
}
attach_nat() { # the gateway's cable into the NAT's inside port, after every boot of the gateway
  ip -n nat addr add "$NAT_INSIDE_IP/24" dev in0
  ip -n nat link set in0 up
}

debian_host() { # a Debian/Ubuntu host as installed (procps and systemd's defaults), with the firewall tool FIREWALL says
  in_side gw sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2 net.ipv4.ip_forward=0
  case $FIREWALL in
    iptables-nft) ln -sfn /usr/sbin/iptables-nft "$STATE/gw/etc/alternatives/iptables" ;;
    iptables-legacy) ln -sfn /usr/sbin/iptables-legacy "$STATE/gw/etc/alternatives/iptables" ;;
    nft) rm -f "$STATE/gw/etc/alternatives/iptables" ;;
    *) fail "unknown FIREWALL $FIREWALL" ;;
  esac
}

apply_boot_sysctl() { # what systemd-sysctl does at boot with the files in /etc/sysctl.d
  local file
  for file in "$STATE/gw/etc/sysctl.d/"*.conf; do
    [[ -e $file ]] && in_side gw sysctl -q -p "/etc/sysctl.d/$(basename "$file")"
  done
}

# ---------------------------------------------------------------- the far end, modelled on AWS Site-to-Site VPN
# aws routes between the Internet, the space and two tunnel endpoints, aws1 and aws2: each its own IKE daemon, as
# each of AWS's tunnels is, which picks the tunnel's pre-shared key by the address it was reached at.
endpoint_link_ip() { # tunnel side(1 aws, 2 endpoint): the addresses of the link between aws and that tunnel's endpoint
  echo "198.18.3.$((4 * $1 - 4 + $2))"
}

far_end_config() { # tunnel: the endpoint's swanctl.conf, charon settings and updown script
  local n=$1 ip=${TUNNEL_IP[$1 - 1]} dpd_timeout=""
  [[ $IKE == 1 ]] && dpd_timeout="dpd_timeout = 30s"
  # AWS takes any identity from the customer gateway's address: its own configurations send the public address,
  # the article's example the private one
  cat >"$STATE/aws$n/etc/swanctl/swanctl.conf" <<EOF
connections {
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
    remote { auth = psk }
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
}
secrets {
  ike-$n { secret = $(sed -n "${n}p" "$RUN/far-end-psks") }
}
EOF
  # AWS gives up on a silent customer gateway after about 30 s, IKEv1 (dpd_timeout) and IKEv2 alike
  cat >"$STATE/aws$n/etc/strongswan.d/zz-far-end.conf" <<EOF
charon {
  install_routes = no
  retransmit_timeout = 3
  retransmit_base = 1.5
  retransmit_tries = 3
  filelog { lab { path = $RUN/far-end-charon-$n.log
    flush_line = yes
    time_format = %H:%M:%S
    default = 1
    ike = 2
    knl = 2 } }
}
EOF
}

far_end_updown() {
  # Replies leave by tunnel 2 while it is up: AWS, not the customer, picks the tunnel it answers on. AWS carries inner
  # packets of at most 1438 bytes, 1422 with NAT-T, and sends no ICMP about larger ones (see start_far_end).
  cat >"$STATE/far-end-updown.sh" <<EOF
#!/bin/sh
n=\${PLUTO_CONNECTION#tunnel}
metric=200; [ "\$n" = 2 ] && metric=100
via=198.18.3.\$((4 * n - 2))
mtu=1438; [ -n "\${PLUTO_UDP_ENC:-}" ] && mtu=1422
router() { nsenter -t "\$(cat $STATE/aws.holder)" -n "\$@"; }
case "\$PLUTO_VERB" in
  up-client)
    ip link del vti\$n 2>/dev/null
    ip link add vti\$n type vti local "\$PLUTO_ME" remote "\$PLUTO_PEER" key \$n
    echo 1 > /proc/sys/net/ipv4/conf/vti\$n/disable_policy
    ip link set vti\$n mtu \$mtu up
    # in one batch each: the far end answers only once this script is done
    for cidr in $ROUTABLE_CIDRS; do echo "route replace \$cidr dev vti\$n"; done | ip -batch -
    for cidr in $ROUTABLE_CIDRS; do echo "route replace \$cidr via \$via metric \$metric"; done | router ip -batch - ;;
  down-client)
    ip link del vti\$n 2>/dev/null
    for cidr in $ROUTABLE_CIDRS; do echo "route del \$cidr via \$via metric \$metric"; done | router ip -force -batch - 2>/dev/null ;;
esac
EOF
  chmod +x "$STATE/far-end-updown.sh"
}

start_space() { # the space's network behind the far end: its hosts' packets are forwarded into the tunnels, as a dyno's are
  start_side space
  ip link add dc0 netns aws type veth peer name dc0 netns space
  ip -n aws addr add "$AWS_DC_IP/30" dev dc0
  ip -n aws link set dc0 up
  ip -n aws route add "$SPACE_CIDR" via "$SPACE_DC_IP" dev dc0
  ip -n space addr add "$SPACE_DC_IP/30" dev dc0
  ip -n space addr add "$SPACE_HOST/32" dev lo
  ip -n space link set dc0 up
  ip -n space route add default via "$AWS_DC_IP" dev dc0 src "$SPACE_HOST"
  ip netns exec space python3 "$HERE/echo-server.py" "$ECHO_PORT" &
  ip netns exec space python3 "$HERE/transfer-server.py" "$TRANSFER_PORT" &
}

start_endpoint() { # tunnel: its endpoint behind aws, holding the tunnel IP, with its charon
  local n=$1 side=aws$1
  start_side "$side"
  ip link add "t$n" netns aws type veth peer name up0 netns "$side"
  ip -n aws addr add "$(endpoint_link_ip "$n" 1)/30" dev "t$n"
  ip -n aws link set "t$n" up
  ip -n aws route add "${TUNNEL_IP[n - 1]}/32" via "$(endpoint_link_ip "$n" 2)"
  ip -n "$side" addr add "$(endpoint_link_ip "$n" 2)/30" dev up0
  ip -n "$side" addr add "${TUNNEL_IP[n - 1]}/32" dev up0
  ip -n "$side" link set up0 up
  ip -n "$side" route add default via "$(endpoint_link_ip "$n" 1)" src "${TUNNEL_IP[n - 1]}"
  in_side "$side" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  in_side "$side" sysctl -qw net.ipv4.conf.up0.disable_policy=1
  # no Path MTU Discovery: an inner packet too large for the tunnel is dropped without "fragmentation needed"
  in_side "$side" iptables-legacy -A OUTPUT -p icmp --icmp-type fragmentation-needed -j DROP
  far_end_config "$n"
  in_side "$side" /usr/lib/ipsec/charon >/dev/null 2>&1 &
  for _ in $(seq 100); do in_side "$side" test -S /run/charon.vici && break; sleep 0.1; done
  in_side "$side" swanctl --load-all --noprompt >>"$RUN/far-end-load.log" 2>&1 ||
    fail "tunnel $n's far end did not load its configuration"
}

start_far_end() {
  in_side aws sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  # the space and your networks meet only through the tunnels: neither reaches the other in clear over the Internet
  in_side aws iptables-legacy -A FORWARD -i wan0 -o dc0 -j DROP
  in_side aws iptables-legacy -A FORWARD -i dc0 -o wan0 -j DROP
  # no reassembly of fragmented encrypted packets: a fragment for a tunnel endpoint never gets further than the wire
  in_side aws nft -f - <<EOF
table netdev aws-edge {
  chain ingress {
    type filter hook ingress device wan0 priority 0; policy accept;
    ip frag-off & 0x3fff != 0 counter drop
  }
}
EOF
  far_end_updown
  start_endpoint 1
  start_endpoint 2
}

far_end_block() { # tunnel: the far end answers nothing on that tunnel's address
  in_side "aws$1" iptables-legacy -I INPUT -d "${TUNNEL_IP[$1 - 1]}" -j DROP
  in_side "aws$1" iptables-legacy -I OUTPUT -s "${TUNNEL_IP[$1 - 1]}" -j DROP
}
far_end_unblock() {
  in_side "aws$1" iptables-legacy -D INPUT -d "${TUNNEL_IP[$1 - 1]}" -j DROP
  in_side "aws$1" iptables-legacy -D OUTPUT -s "${TUNNEL_IP[$1 - 1]}" -j DROP
}

# ---------------------------------------------------------------- the customer gateway, as the user installs it
start_daemon() { # restart|start: the format's daemon, as its next steps or the boot start it
  case $STYLE in
    ipsec) gw_shell "ipsec $1" ;;
    swanctl) gw_shell "systemctl $1 strongswan" ;;
  esac >>"$RUN/gateway-commands.log" 2>&1
}

installed_children() { # side tunnel-number -> the IPsec SAs the daemon holds as installed (not rekeyed ones on their way out)
  local side=$1
  [[ $side == aws ]] && side=aws$2
  in_side "$side" swanctl --list-sas 2>/dev/null | grep -cE "tunnel$2: #[0-9]+, reqid [0-9]+, INSTALLED,"
}

install_shims() {
  # sudo: the lab is root already. systemctl: what systemd does with a service's unit (Type=notify, as both have)
  printf '#!/bin/sh\nexec "$@"\n' >"$STATE/shim/sudo"
  cat >"$STATE/shim/systemctl" <<'EOF'
#!/bin/bash
name=${2%.service}
unit=/etc/systemd/system/$name.service
[[ -f $unit ]] || unit=/lib/systemd/system/$name.service
[[ $1 == restart || $1 == start ]] && [[ -f $unit ]] || { echo "lab systemctl: cannot $*" >&2; exit 1; }
# the socket that tells the daemon is ready, as its notification would
[[ $name == strongswan ]] && ready=/run/charon.vici || exit 1
run() { # key: the unit's lines of that key, in order; a leading '-' lets a line fail
  local line lines
  lines=$(sed -n "s/^$1=//p" "$unit")
  while IFS= read -r line; do
    [[ -z $line ]] && continue
    if [[ $line == -* ]]; then sh -c "${line#-}" || true; else sh -c "$line" || return 1; fi
  done <<<"$lines"
}
pidfile=/run/lab-$name.pid
if [[ -s $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  run ExecStop
  kill "$(cat "$pidfile")" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.1; done
  EXIT_STATUS=0 run ExecStopPost
fi
run ExecStartPre || { echo "lab systemctl: ExecStartPre of $name failed" >&2; exit 1; }
rm -f "$ready"
setsid sh -c "exec $(sed -n 's/^ExecStart=//p' "$unit")" >/dev/null 2>&1 </dev/null &
echo $! >"$pidfile"
for _ in $(seq 100); do [[ -S $ready ]] && break; sleep 0.1; done
run ExecStartPost
EOF
  # a slow host: every `ip` that charon's updown script runs takes SLOW_IP seconds (the lab's own commands do not)
  if [[ ${SLOW_IP:-0} != 0 ]]; then printf '#!/bin/sh\nsleep %s\nexec /usr/sbin/ip "$@"\n' "$SLOW_IP" >"$STATE/shim/ip"; fi
  chmod +x "$STATE/shim/"*
}

gw_shell() { in_side gw env PATH="$STATE/shim:$PATH" sh -c "$1"; }

start_logger() { # the gateway's charon logs to the journal or syslog, which the lab has not: follow it over vici instead
  in_side gw sh -c "for _ in \$(seq 100); do [ -S /run/charon.vici ] && break; sleep 0.1; done
    exec stdbuf -oL swanctl --log >>'$RUN/gateway-charon.log' 2>&1" &
}

wire_gateway() { # a fresh gateway's network: its cables, and Debian's defaults
  start_side gw
  link_wan
  [[ $TOPOLOGY == nat ]] && attach_nat
  link_office
  debian_host
}

boot_gateway() { # a fresh kernel network state with the installed files; the daemon started as its service does at boot
  wire_gateway
  apply_boot_sysctl
  start_daemon start
  start_logger
}

# ---------------------------------------------------------------- observations
sa_count() { # side(gw or aws) tunnel-number -> number of IPsec SAs between that side's and the tunnel's addresses
  local ip=${TUNNEL_IP[$2 - 1]} me=$CUSTOMER_IP ns=aws$2
  [[ $1 == gw ]] && me=$GW_WAN_IP ns=gw
  ip -n "$ns" xfrm state | grep -cE "^src ($me dst $ip|$ip dst $me)\$"
}
tunnel_up() { [[ $(sa_count gw "$1") -ge 2 && $(sa_count aws "$1") -ge 2 ]]; }
both_up() { tunnel_up 1 && tunnel_up 2; }
wait_for() { # seconds cmd...: poll every 0.2 s
  local end=$(($(date +%s) + $1))
  shift
  while (($(date +%s) < end)); do "$@" && return 0; sleep 0.2; done
  return 1
}
vti_bytes() { # tunnel-number rx|tx -> the bytes its far end's interface carried
  ip -n "aws$1" -s -j link show "vti$1" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['stats64']['$2']['bytes'])"
}

check_sa_pairs() { # step: one SA pair per tunnel on both sides, in the kernel and as charon sees it
  local n side counts="" installed=""
  for n in 1 2; do
    for side in gw aws; do
      counts+="\"$side$n\":$(sa_count $side $n),"
      installed+="\"$side$n\":$(installed_children $side $n),"
    done
  done
  event sa-pairs "\"step\":\"$1\"" "\"counts\":{${counts%,}}" "\"installed\":{${installed%,}}"
}

forget_paths() { # every host as one that has sent nothing large yet: no path MTU learned earlier helps what comes next
  local side
  for side in office gw space; do ip -n "$side" route flush cache; done
}

check_tcp() { # step: 64 KiB echoed from a host in every routable CIDR; which tunnel carried each way
  local host ok before_in before_out
  before_in=$(vti_bytes 1 rx)
  before_out=$(vti_bytes 2 tx)
  for host in "${OFFICE_HOSTS[@]}"; do
    ok=false
    forget_paths
    ip netns exec office python3 "$HERE/tcp-check.py" "$host" "$SPACE_HOST" "$ECHO_PORT" >>"$RUN/tcp.log" 2>&1 && ok=true
    event tcp "\"step\":\"$1\"" "\"from\":\"$host\"" "\"ok\":$ok"
  done
  dump_state "$1"
  event carried "\"step\":\"$1\"" "\"tunnel1In\":$(($(vti_bytes 1 rx) - before_in))" "\"tunnel2Out\":$(($(vti_bytes 2 tx) - before_out))"
}

transfer() { # step side source direction: TRANSFER_BYTES between a host and the space, in at most TRANSFER_TIMEOUT s
  local step=$1 side=$2 source=$3 direction=$4 result
  forget_paths
  result=$(ip netns exec "$side" python3 "$HERE/transfer.py" "$source" "$SPACE_HOST" "$TRANSFER_PORT" "$direction" \
    "$TRANSFER_BYTES" "$TRANSFER_TIMEOUT" 2>>"$RUN/transfer.log")
  echo "$step $side $source $direction: $result" >>"$RUN/transfer.log"
  [[ -n $result ]] || result='"ok":false,"seconds":null'
  event transfer "\"step\":\"$step\"" "\"from\":\"${source:-gateway}\"" "\"direction\":\"$direction\"" "$result"
}

check_transfers() { # step: a download from the space and an upload to it, for a host in every CIDR and the gateway itself
  local host direction
  for host in "${OFFICE_HOSTS[@]}"; do
    for direction in download upload; do transfer "$1" office "$host" "$direction"; done
  done
  for direction in download upload; do transfer "$1" gw "" "$direction"; done
}

dump_state() { # step: what a person debugging the gateway would look at, for the test's failure message
  {
    echo "=== $1"
    for side in gw aws aws1 aws2; do
      echo "--- $side: addresses, routes, policies, SAs, XFRM and reverse-path counters"
      ip -n "$side" -br addr
      ip -n "$side" route
      ip -n "$side" xfrm policy | grep -E '^(src|	dir|	mark)'
      ip -n "$side" xfrm state | grep -E '^(src|	mark|	encap)'
      ip netns exec "$side" cat /proc/net/xfrm_stat | awk '$2 != 0'
      # /proc/net/netstat has a line of TcpExt names, then one of their values
      ip netns exec "$side" awk '/^TcpExt:/ { if (!n++) split($0, name); else for (i in name) if (name[i] == "IPReversePathFilter") print name[i], $i }' /proc/net/netstat
      for dev in $(ip -n "$side" -o link show type vti | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
        echo "$dev rx/tx bytes: $(ip -n "$side" -s -j link show "$dev" | python3 -c 'import json,sys; s=json.load(sys.stdin)[0]; t=s["stats64"]; print(t["rx"]["bytes"], t["tx"]["bytes"], "rx dropped", t["rx"]["dropped"], "tx errors", t["tx"]["errors"], "mtu", s["mtu"])')"
      done
    done
    echo "--- gw: what the updown script's last job per tunnel printed"
    in_side gw sh -c 'for log in /run/heroku-spaces-vpn/*.log; do [ -s "$log" ] && echo "$log:" && cat "$log"; done' 2>&1
    echo "--- gw: firewall ($FIREWALL)"
    in_side gw sh -c 'command -v iptables >/dev/null && iptables -t mangle -S; command -v nft >/dev/null && nft list ruleset' 2>&1
    echo "--- aws: fragments dropped at the edge; ICMP it did not send; what the space host learned of the path"
    in_side aws nft list table netdev aws-edge 2>&1 | grep counter
    for side in aws1 aws2; do in_side "$side" iptables-legacy -L OUTPUT -v -n 2>&1 | grep icmp; done
    for host in "${OFFICE_HOSTS[@]}"; do ip -n space route get "$host" 2>&1 | tr '\n' ' '; echo; done
  } >>"$RUN/state.txt" 2>&1
}

updown_idle() { # the gateway's updown script has no background job left (they add and remove the rules)
  ! pgrep -f '/etc/(swanctl|ipsec\.d)/[^ ]*-updown\.sh' >/dev/null
}

count_rules() { # step: the gateway's firewall rules that name a tunnel interface, to see that none is left or doubled
  wait_for 60 updown_idle
  local list='nft list ruleset'
  [[ $FIREWALL == iptables-legacy ]] && list='iptables-legacy-save'
  event firewall-rules "\"step\":\"$1\"" "\"count\":$(in_side gw $list 2>/dev/null | grep -c 'vti-')"
}

# ---------------------------------------------------------------- scenarios
bring_up() {
  start_side aws
  start_side office
  for host in "${OFFICE_HOSTS[@]:1}"; do ip -n office addr add "$host/32" dev lo; done
  [[ $TOPOLOGY == nat ]] && start_nat
  wire_gateway
  start_far_end
  start_space
  install_shims
  # the next steps, as printed by spaces:vpn:config, in order (sudo lines: the heroku one runs outside this machine)
  sed -n 's/^       \(sudo .*\)$/\1/p' "$RUN/next-steps.txt" >"$STATE/next-steps.sh"
  event load
  while IFS= read -r line; do
    say "next step: $line"
    gw_shell "$line" >>"$RUN/gateway-commands.log" 2>&1 || fail "next step failed: $line"
  done <"$STATE/next-steps.sh"
  start_logger
  wait_for 60 both_up && event both-up || { event both-up-timeout; fail "the tunnels did not come up within 60 s"; }
  # both tunnels' routes, which a slow host sets up well after the SAs
  wait_for 120 gw_routes_up && event routes-up || event routes-up-timeout
}

gw_routes_up() { [[ $(ip -n gw route show "$SPACE_CIDR" | grep -c ' dev vti-') -eq 2 ]]; }

tunnel_settled() { # tunnel: the far end holds one IKE SA and one CHILD_SA for it, neither being rekeyed
  local sas
  sas=$(in_side "aws$1" swanctl --list-sas --ike "tunnel$1" 2>/dev/null)
  [[ $(grep -cE "^tunnel$1: #" <<<"$sas") -eq 1 && $(grep -cE "^  tunnel$1: #" <<<"$sas") -eq 1 ]] &&
    grep -qE "^tunnel$1: #[0-9]+, ESTABLISHED" <<<"$sas" &&
    grep -qE "^  tunnel$1: #[0-9]+, reqid [0-9]+, INSTALLED" <<<"$sas"
}

maintenance() { # tunnel: the far end deletes the tunnel's SAs, is away for a while, and comes back
  local n=$1
  # not in the middle of a rekey of that tunnel: a DELETE that crosses the rekey's exchanges can be lost, and the
  # gateway then finds out by dead-peer detection, as for a silent far end (docs/gateway-lab.md)
  wait_for 30 tunnel_settled "$n"
  event maintenance-start "\"tunnel\":$n"
  # the endpoint going away takes no new negotiation (IKE_SA_INIT or Main Mode, on UDP 500) but carries ESP until it
  # says so with a DELETE
  in_side "aws$n" iptables-legacy -I INPUT -d "${TUNNEL_IP[n - 1]}" -p udp --dport 500 -j DROP
  in_side "aws$n" swanctl --terminate --ike "tunnel$n" --force >>"$RUN/far-end-commands.log" 2>&1
  sleep 0.5
  far_end_block "$n"
  in_side "aws$n" iptables-legacy -D INPUT -d "${TUNNEL_IP[n - 1]}" -p udp --dport 500 -j DROP
  sleep "$MAINTENANCE_AWAY"
  count_rules "during-maintenance-$n"
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

restart_service() { # what restarting the daemon as the next steps do it does to the tunnels, without a reboot
  event service-restart
  start_daemon restart
  wait_for 60 both_up && event both-up || event both-up-timeout
  # the interfaces, routes and rules follow the SAs from the updown script's background jobs
  wait_for 60 gw_routes_up
  count_rules after-service-restart
}

restart_gateway() {
  stop_side gw
  event restart
  boot_gateway
  wait_for 60 both_up && event both-up || event both-up-timeout
}

soak() { # seconds: traffic flows while the shortened lifetimes rekey and reauthenticate both tunnels, over and over
  event soak-start
  sleep "$1"
  event soak-end
}

start_probe() {
  ip netns exec office python3 "$HERE/probe.py" "${OFFICE_HOSTS[0]}" "$SPACE_HOST" "$ECHO_PORT" "$RUN/probe.jsonl" &
  sleep 2
}

step() { # name: the checks every phase of a gateway's life ends with
  check_sa_pairs "$1"
  check_tcp "$1"
  check_transfers "$1"
  count_rules "$1"
}

# ---------------------------------------------------------------- spaces:vpn:doctor on a gateway broken one way at a time
# the shell of the person at the gateway: doctor runs there, and so do the fixes it prints
USER_HOME=$STATE/doctor-home
user_shell() { in_side gw env PATH="$STATE/shim:$PATH" HOME="$USER_HOME" NO_COLOR=1 "$@"; }

doctor_check() { # step [heroku]: doctor, run on the gateway as its README says: without Heroku credentials (the host
  # alone), or with them
  local out code ids credentials=(-u HEROKU_API_KEY)
  [[ ${2:-} == heroku ]] && credentials=("${HEROKU_ENV[@]}")
  out=$(user_shell env "${credentials[@]}" sh -c 'cd "$HOME" && exec node "$0" "$@"' "$CLI" \
    spaces:vpn:doctor "$CONNECTION_NAME" --space "$SPACE_NAME" --json --interval 1 2>>"$RUN/doctor.log")
  code=$?
  printf '%s\n' "$out" >"$RUN/doctor-$1.json"
  ids=$(python3 -c 'import json, sys; print(json.dumps([f["id"] for f in json.load(sys.stdin)["findings"]]))' \
    <<<"$out" 2>/dev/null) || ids=null
  event doctor "\"step\":\"$1\"" "\"code\":$code" "\"ids\":$ids"
}

mss_rules() { in_side gw iptables -w -t mangle -S FORWARD | grep -- '-j TCPMSS'; }
charon_gone() { ! in_side gw swanctl --stats >/dev/null 2>&1; }

doctor_faults() { # each fault a user meets, injected into the working gateway, named by doctor, then undone
  local settings setting rules tunnel2=${TUNNEL_IP[1]}
  mkdir -p "$USER_HOME"
  doctor_check healthy

  in_side gw sysctl -qw net.ipv4.ip_forward=0
  doctor_check forwarding-off
  in_side gw sysctl -qw net.ipv4.ip_forward=1

  # strict: the kernel takes the larger of `all` and the interface's value, so a hardened host has both at 1
  settings=$(in_side gw sh -c 'sysctl net.ipv4.conf.all.rp_filter; for vti in /proc/sys/net/ipv4/conf/vti-*; do sysctl "net.ipv4.conf.${vti##*/}.rp_filter"; done' | tr -d ' ')
  for setting in $settings; do in_side gw sysctl -qw "${setting%=*}=1"; done
  doctor_check rp-filter-strict
  for setting in $settings; do in_side gw sysctl -qw "$setting"; done

  rules=$(mss_rules)
  sed 's/^-A /-D /' <<<"$rules" | while read -r rule; do in_side gw sh -c "iptables -w -t mangle $rule"; done
  doctor_check mss-clamp-missing
  while read -r rule; do in_side gw sh -c "iptables -w -t mangle $rule"; done <<<"$rules"

  in_side gw iptables -w -I OUTPUT -d "$tunnel2" -p udp --dport 4500 -j DROP
  doctor_check firewall-blocks-tunnel
  in_side gw iptables -w -D OUTPUT -d "$tunnel2" -p udp --dport 4500 -j DROP

  # the same in nftables' own syntax, in a table of its own (as /etc/nftables.conf makes them), which iptables -S never shows
  in_side gw nft add table inet lab-filter
  in_side gw nft add chain inet lab-filter out '{ type filter hook output priority 0; policy accept; }'
  in_side gw nft add rule inet lab-filter out ip daddr "$tunnel2" udp dport 4500 drop
  doctor_check nft-blocks-tunnel
  in_side gw nft delete table inet lab-filter

  in_side gw ip route add "$SPACE_CIDR" dev wan0 table 220
  doctor_check charon-routes
  in_side gw ip route del "$SPACE_CIDR" dev wan0 table 220

  # a second LAN on the gateway that the connection does not route
  in_side gw ip addr add 192.168.77.1/24 dev lan0
  doctor_check lan-not-routable
  in_side gw ip addr del 192.168.77.1/24 dev lan0

  # files generated with a --local-ip that is not this host's (behind NAT: the public address instead of the private)
  in_side gw sh -c "cp '$(conf_file)' $STATE/conf.saved && sed -i 's/^\( *local_addrs = \).*/\1198.51.100.200/' '$(conf_file)'"
  doctor_check local-ip-not-host
  in_side gw sh -c "cp $STATE/conf.saved '$(conf_file)'"

  in_side gw sh -c 'kill "$(cat /run/lab-strongswan.pid)"'
  wait_for 30 charon_gone
  doctor_check charon-not-running
  start_daemon start
  wait_for 120 both_up && event both-up || event both-up-timeout
  wait_for 60 gw_routes_up
  wait_for 60 updown_idle
  doctor_check healthy-again
}

# ---------------------------------------------------------------- spaces:vpn:doctor with Heroku's view
# Heroku's API for doctor: the sandbox on the gateway's loopback, holding the lab's connection (its tunnel IPs and keys).
# A tunnel's status there follows the far end, as Heroku's follows AWS's: UP while the far end holds its SA pair.
API=http://127.0.0.1:8800
API_CONNECTION=$API/__sandbox/spaces/$SPACE_NAME/vpn-connections/$CONNECTION_NAME
HEROKU_ENV=(HEROKU_API_KEY=sandbox-api-key HEROKU_HOST="$API")

api_admin() { # method path-after-the-connection [json body]
  in_side gw curl -sSf -X "$1" "$API_CONNECTION$2" ${3:+-d "$3"} >>"$RUN/sandbox-admin.log" 2>&1
}

follow_far_end() { # for ever: each tunnel's status at Heroku is whether the far end holds its SA pair
  local n status said=(none none none)
  while :; do
    for n in 1 2; do
      status=DOWN
      [[ $(sa_count aws "$n") -ge 2 ]] && status=UP
      if [[ ${said[n]} != "$status" ]] && api_admin PUT "/tunnels/$n" "{\"status\":\"$status\"}"; then
        said[n]=$status
        echo "$status" >"$STATE/heroku-$n"
      fi
    done
    sleep 0.5
  done
}

heroku_shows() { [[ $(cat "$STATE/heroku-$1" 2>/dev/null) == "$2" ]]; } # tunnel status
api_up() { in_side gw curl -sf -o /dev/null "$API/__sandbox"; }

start_heroku_api() {
  in_side gw setsid node "$SANDBOX" --port "${API##*:}" --quiet >"$RUN/sandbox.log" 2>&1 </dev/null &
  wait_for 60 api_up || fail "the sandbox did not start"
  api_admin PUT "" "$(python3 -c '
import base64, json, sys
connection_id, public_ip, cidrs, ips, psks = sys.argv[1:]
keys = [base64.b64decode(line[2:]).decode() for line in open(psks).read().split()]
print(json.dumps({"id": connection_id, "public_ip": public_ip, "routable_cidrs": cidrs.split(), "tunnels": [
  {"ip": ip, "pre_shared_key": key} for ip, key in zip(ips.split(), keys)]}))' \
    "$CONNECTION_ID" "$PUBLIC_IP" "$ROUTABLE_CIDRS" "$TUNNEL_IPS" "$RUN/far-end-psks")" || fail "the sandbox refused the connection"
  follow_far_end &
}

conf_file() { in_side gw sh -c 'ls /etc/swanctl/conf.d/*.conf'; }
tunnel2() { in_side gw sed -n '/^  ike-/!s/^  \([^ ]*-tunnel2\) {$/\1/p' "$(conf_file)"; }

edit_tunnel2() { # fault: changes tunnel 2 in the installed file as a person editing it by hand would
  in_side gw python3 - "$(conf_file)" "$1" "${TUNNEL_IP[1]}" <<'EOF'
import re, sys
path, fault, ip = sys.argv[1:]
text = open(path).read()
block = re.search(r"^  (\S+-tunnel2) \{\n.*?^  \}\n", text, re.M | re.S).group(0)
if fault == "wrong-key":
    text = re.sub(r"(-tunnel2 \{\n\s+id = \S+\n\s+secret = ).*", r'\1"not-the-key"', text)
elif fault == "stale-tunnel-ips":
    text = text.replace(ip, "192.0.2.99")
elif fault == "proposals-changed":
    text = text.replace(block, re.sub(r"^(\s+)proposals = .*$", r"\1proposals = aes256-sha256-curve25519", block, count=1, flags=re.M))
elif fault == "tunnel-not-configured":
    text = text.replace(block, "")
open(path, "w").write(text)
EOF
}

break_tunnel2() { # fault: the edited file loaded, tunnel 2 negotiated again with it
  local name
  name=$(tunnel2)
  edit_tunnel2 "$1"
  {
    in_side gw timeout 20 swanctl --terminate --ike "$name"
    in_side gw swanctl --load-all
    [[ $1 == tunnel-not-configured ]] || in_side gw timeout 10 swanctl --initiate --child "$name"
  } >>"$RUN/gateway-commands.log" 2>&1
}

apply_fix() { # step finding-id: the fix doctor gave for that finding, run on the gateway as printed, then the next steps
  # it prints, if any, as a user follows them
  local fix line
  fix=$(python3 -c 'import json, sys
print(next(f["fix"] for f in json.load(open(sys.argv[1]))["findings"] if f["id"] == sys.argv[2]))' \
    "$RUN/doctor-$1.json" "$2") || { event fix "\"step\":\"$1\"" '"ok":false'; return; }
  fix=${fix% (then run the next steps it prints)}
  say "fix for $1: $fix"
  # the files of an earlier fix are installed: config never overwrites them, so they go first
  rm -rf "$USER_HOME/heroku-vpn"
  user_shell env "${HEROKU_ENV[@]}" sh -c "cd \"\$HOME\" && $fix" >"$RUN/fix-$1.txt" 2>&1 ||
    { event fix "\"step\":\"$1\"" '"ok":false'; return; }
  sed -n 's/^       \(sudo .*\)$/\1/p' "$RUN/fix-$1.txt" >"$STATE/fix-steps.sh"
  while IFS= read -r line; do
    user_shell sh -c "cd \"\$HOME\" && $line" >>"$RUN/fix-$1.txt" 2>&1 || { event fix "\"step\":\"$1\"" '"ok":false'; return; }
  done <"$STATE/fix-steps.sh"
  event fix "\"step\":\"$1\"" '"ok":true' "\"nextSteps\":$(wc -l <"$STATE/fix-steps.sh")"
}

heroku_healthy() { both_up && gw_routes_up && updown_idle && heroku_shows 1 UP && heroku_shows 2 UP; }

heroku_faults() { # faults that need Heroku's view, each on tunnel 2, named by doctor, then fixed by the fix it gave
  local fault
  start_heroku_api
  wait_for 60 heroku_healthy
  doctor_check healthy-at-heroku heroku
  for fault in wrong-key stale-tunnel-ips proposals-changed tunnel-not-configured up-here-down-at-heroku; do
    if [[ $fault == up-here-down-at-heroku ]]; then
      ip -n aws2 xfrm state flush # the far end no longer holds the tunnel; charon on the gateway does not know
    else
      break_tunnel2 "$fault"
    fi
    wait_for 60 heroku_shows 2 DOWN
    doctor_check "$fault" heroku
    apply_fix "$fault" "$fault"
    wait_for 120 heroku_healthy && event tunnels-back "\"step\":\"$fault\"" || event tunnels-back-timeout "\"step\":\"$fault\""
    doctor_check "$fault-fixed" heroku
  done
  check_tcp after-fixes
}

main() {
  bring_up
  step initial
  [[ $SCENARIOS == bring-up ]] && { event done; return 0; }
  [[ $SCENARIOS == doctor ]] && { doctor_faults; heroku_faults; event done; return 0; }
  start_probe
  if [[ ${SOAK_SECONDS:-0} -gt 0 ]]; then
    soak "$SOAK_SECONDS"
    step after-soak
  fi
  maintenance 1
  sleep 3
  maintenance 2
  sleep 3
  silent_loss 1
  sleep 3
  step after-outages
  restart_service
  sleep 2
  restart_gateway
  sleep 2
  step after-restart
  event done
}

# run as a script, it plays a gateway's life; sourced, it lends its sides, networks and observations to another lab
# (exit: bash reads a script as it runs, so an edit made meanwhile is never read past main)
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  main
  exit
fi
