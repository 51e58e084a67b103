#!/usr/bin/env bash
# strongSwan end-to-end lab: two network namespaces, two charon daemons, real IKE/ESP, real TCP.
#
#   "customer" netns  (initiator; the caller's config runs here)
#       veth0: CUSTOMER_IP/24 (default 198.51.100.10)        lo: first host of every routable CIDR (+1)
#   "space" netns     (responder; plays the Heroku Private Space side, config generated here)
#       veth1: every tunnel IP/24 (default 203.0.113.11, .12) lo: host SPACE_HOST in the space CIDR (+10)
#   Only a veth pair joins them; neither namespace has a default route, so a subnet host can only reach
#   the other side through an IPsec tunnel. Nothing is ever sent outside the two namespaces.
#   Each charon runs in its own mount namespace (unshare -m --propagation private) with a tmpfs /run and
#   its own strongswan.conf / ipsec.conf / ipsec.secrets / swanctl dir bind-mounted over /etc.
#   ESP is done in userspace by the kernel-libipsec plugin (TUN device); kernel XFRM is not used.
#
# Usage (run as root):
#   lab.sh check                      report what is missing (root, packages, ip netns, /dev/net/tun, node);
#                                     exit 1 if the lab cannot run
#   lab.sh up [options]               create namespaces, start the responder and the customer charon; prints
#                                     CUSTOMER_HOSTS=a,b and SPACE_HOST=x on stdout (addresses to use with tcp).
#                                     Fails (exit 1) if a charon does not start, `swanctl --load-all` fails, or
#                                     a `conn` of the caller's ipsec.conf (other than one with its own
#                                     auto=ignore, a base for also=) was rejected by charon (e.g. bad
#                                     proposal; the charon log lines are printed). Always run `down` afterwards,
#                                     also after a failure.
#       --customer-dir DIR            caller's config: DIR/ipsec.conf + DIR/ipsec.secrets (style ipsec)
#                                     or DIR/swanctl.conf (style swanctl)                      [required]
#       --style ipsec|swanctl         how the customer side is driven: ipsec starter or swanctl/vici [ipsec]
#       --ike 1|2                     IKE version the responder accepts                          [2]
#       --tunnel-ips IP1,IP2          space tunnel IPs (responder addresses)    [203.0.113.11,203.0.113.12]
#       --psks PSK1,PSK2              one PSK per tunnel IP, same order (no commas or double quotes in a PSK;
#                                     give any other key as 0s<base64>, which is written as it is)
#                                                                  [lab-psk-tunnel-1,lab-psk-tunnel-2]
#       --space-cidr CIDR[,CIDR]      space side subnet(s) (responder local_ts)                  [10.0.0.0/16]
#       --customer-ip IP              customer gateway public IP (on veth0)                   [198.51.100.10]
#                                     (the sandbox's tunnel IPs are 203.0.113.N and 198.51.100.N from N=10 up:
#                                     with them, pass an address that cannot collide, e.g. 192.0.2.10)
#       --customer-id ID              identity the responder expects from the customer; %any = accept any
#                                                                                     [= customer ip]
#       --routable-cidrs C1[,C2..]    customer routable CIDRs (responder remote_ts)
#                                                                      [172.16.0.0/16,192.168.50.0/24]
#       --proposals P                 responder IKE and ESP proposal (strict)      [aes256-sha256-modp2048]
#       --no-autostart                run a copy of the caller's config with auto=start|route turned into
#                                     auto=add (ipsec) / every start_action line removed (swanctl), so the
#                                     test decides when each tunnel comes up (and, with no trap route, a
#                                     packet with no tunnel fails at once with ENETUNREACH instead of a timeout)
#     Env: LAB_ID (namespace/dir suffix, [a-z0-9]{1,12}, default "default"; use one per parallel run),
#          LAB_DIR (state, configs, logs; default /tmp/sslab-$LAB_ID), LAB_TTL (seconds; a watchdog runs
#          `down` after it, default 1800), LAB_PLUGINS (charon plugin list without stroke/vici, for experiments;
#          default "random nonce aes sha1 sha2 hmac gmp kdf kernel-libipsec kernel-netlink socket-default"),
#          LAB_TCP_TIMEOUT_MS (tcp client idle timeout, default 5000).
#   lab.sh initiate NAME [SECS]       bring NAME up on the customer side (style ipsec: `ipsec up NAME`;
#                                     swanctl: `swanctl --initiate --child NAME`), then require a CHILD_SA
#                                     named NAME to be INSTALLED (bounded by SECS, default 30). The exit code
#                                     of `ipsec up` is NOT used: it is 0 even on failure in strongSwan 5.9.
#   lab.sh terminate [NAME]           style ipsec: `ipsec down NAME`; swanctl: --terminate --ike NAME (or
#                                     --child NAME); without NAME every IKE_SA; waits until the SAs are gone
#   lab.sh tcp SRC_IP DST_IP [PORT]   one-shot TCP echo (64 KiB, port 7000) from SRC_IP to DST_IP (either
#                                     direction: customer host -> space host or back); each address must be
#                                     on one of the lab namespaces. Succeeds only if the data came back
#                                     AND the customer CHILD_SA byte counters grew; prints which SA carried
#                                     it ("via <child> remote=<tunnel ip> ..."). --no-sa-check skips the
#                                     counter check (use it for negative tests: expect a non-zero exit).
#   lab.sh sas [customer|space]       one line per CHILD_SA: side ike child state remote-host local-ts
#                                     remote-ts bytes-in bytes-out packets-in packets-out
#   lab.sh status                     swanctl --list-sas on both sides (+ ipsec statusall for style ipsec)
#   lab.sh exec customer|space CMD..  run CMD inside that side's network + mount namespace
#   lab.sh logs                       print both charon logs
#   lab.sh down [--keep-logs] [--all] kill every process in the lab namespaces, delete the namespaces and
#                                     LAB_DIR; idempotent, never fails. --all: every sslab-* namespace.
#
# Responder (generated in LAB_DIR/space/etc/swanctl/swanctl.conf): one connection "tunnelN" per tunnel IP with
# local/remote id = tunnel IP / customer id, PSK per tunnel IP, strict proposals for IKE and ESP (PFS).
# IKEv2: one child per tunnel, local_ts = space CIDR, remote_ts = all routable CIDRs (it also accepts a customer
# that asks for a subset per CHILD_SA). IKEv1: one child per routable CIDR (IKEv1 carries one subnet pair per SA).
#
# Facts this lab relies on (strongSwan 5.9.8, this kernel): kernel XFRM cannot install ESP here, so ESP runs in
# userspace (kernel-libipsec) over the TUN device ipsec0 with routes in table 220; libipsec forces UDP
# encapsulation (logs "remote host is behind NAT" although there is none; ESP-in-UDP on 4500); trap policies
# (auto=route / start_action=trap) install a route but never trigger a negotiation, so conns must be brought up
# explicitly with `initiate`. The customer charon loads stroke and vici, so swanctl --list-sas works in both styles.
#
# Exit codes: 0 ok, 1 failure, 2 usage error.
set -uo pipefail

SELF=$(readlink -f "$0")
PREFIX=sslab
LAB_ID=${LAB_ID:-default}
if ! [[ $LAB_ID =~ ^[a-z0-9]{1,12}$ ]]; then echo "LAB_ID must match [a-z0-9]{1,12}" >&2; exit 2; fi
NS_C=$PREFIX-$LAB_ID-customer
NS_S=$PREFIX-$LAB_ID-space
LAB_DIR=${LAB_DIR:-/tmp/$PREFIX-$LAB_ID}
LAB_TTL=${LAB_TTL:-1800}
STATE=$LAB_DIR/state
CHARON=/usr/lib/ipsec/charon

log() { echo "lab: $*" >&2; }
die() { echo "lab: ERROR: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -uo/p' "$SELF" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2; }

# ---------------------------------------------------------------- IPv4 helpers
ip2int() { local IFS=.; local a b c d; read -r a b c d <<<"$1"; echo $(( (a<<24) | (b<<16) | (c<<8) | d )); }
int2ip() { local n=$1; echo "$(( (n>>24)&255 )).$(( (n>>16)&255 )).$(( (n>>8)&255 )).$(( n&255 ))"; }
# cidr_host CIDR OFFSET -> network address + OFFSET
cidr_host() {
  local net=${1%/*} len=${1#*/}
  local mask=$(( len == 0 ? 0 : (0xffffffff << (32 - len)) & 0xffffffff ))
  int2ip $(( ( $(ip2int "$net") & mask ) + $2 ))
}
is_ipv4() { [[ $1 =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}$ ]]; }
is_cidr() { [[ $1 =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}/([0-9]|[12][0-9]|3[0-2])$ ]]; }

# ---------------------------------------------------------------- namespace helpers
holder_pid() { # side -> pid of the process holding that side's mount namespace
  local f=$LAB_DIR/$1/holder.pid
  [[ -s $f ]] || return 1
  local pid; pid=$(cat "$f")
  kill -0 "$pid" 2>/dev/null || return 1
  # guard against a reused pid: it must live in this lab's network namespace
  local ns=$NS_C; [[ $1 == space ]] && ns=$NS_S
  [[ $(ip netns identify "$pid" 2>/dev/null) == "$ns" ]] || return 1
  echo "$pid"
}
in_side() { # side cmd... : run inside that side's net + mount namespace
  local side=$1; shift
  local pid; pid=$(holder_pid "$side") || die "$side side is not running (lab up?)"
  nsenter -t "$pid" -m -n -- "$@"
}
load_state() { [[ -f $STATE ]] || die "no lab state in $STATE (run lab.sh up first)"; # shellcheck disable=SC1090
  source "$STATE"; }

# wait_until SECS cmd...: run cmd every 0.2 s until it succeeds; bounded
wait_until() {
  local secs=$1; shift
  local end=$(( $(date +%s%N) + secs * 1000000000 ))
  while (( $(date +%s%N) < end )); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# ---------------------------------------------------------------- check
cmd_check() {
  local missing=0 packages=0
  [[ $(id -u) == 0 ]] || { echo "missing: root (run as root)"; missing=1; }
  for b in ip nsenter unshare timeout setsid node; do
    command -v "$b" >/dev/null 2>&1 || { echo "missing: command $b"; missing=1; }
  done
  for p in strongswan-starter strongswan-swanctl strongswan-charon strongswan-libcharon libcharon-extra-plugins; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep 'install ok installed' >/dev/null \
      || { echo "missing: package $p"; missing=1; packages=1; }
  done
  for f in "$CHARON" /usr/sbin/ipsec /usr/sbin/swanctl /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so \
           /usr/lib/ipsec/plugins/libstrongswan-vici.so /usr/lib/ipsec/plugins/libstrongswan-stroke.so; do
    [[ -e $f ]] || { echo "missing: $f"; missing=1; }
  done
  [[ -c /dev/net/tun ]] || { echo "missing: /dev/net/tun (kernel-libipsec needs TUN)"; missing=1; }
  if [[ $(id -u) == 0 ]] && command -v ip >/dev/null; then
    local t=$PREFIX-check$$
    if ip netns add "$t" 2>/dev/null; then
      ip -n "$t" link add veth0 type veth peer name veth1 2>/dev/null \
        || { echo "missing: veth link type"; missing=1; }
      ip netns del "$t"
    else
      echo "missing: ip netns (cannot create a network namespace)"; missing=1
    fi
    unshare -m --propagation private true 2>/dev/null || { echo "missing: unshare -m (mount namespaces)"; missing=1; }
  fi
  if (( packages )); then
    echo "install: apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends strongswan-starter strongswan-swanctl strongswan-charon libcharon-extra-plugins"
  fi
  (( missing )) && return 1
  echo "ok: strongSwan $(dpkg-query -W -f='${Version}' strongswan-charon), lab can run"
}

# ---------------------------------------------------------------- config writers
write_strongswan_conf() { # file logfile plugins
  cat >"$1" <<EOF
# generated by lab.sh
charon {
  load_modular = no
  load = $3
  # a test lab: no retransmit storm when a peer is gone
  retransmit_tries = 3
  retransmit_timeout = 1.0
  retransmit_base = 1.4
  filelog {
    lab {
      path = $2
      time_format = %H:%M:%S
      append = yes
      flush_line = yes
      default = 1
      ike = 2
      cfg = 2
      knl = 2
      esp = 1
    }
  }
  syslog {
    daemon {
      default = -1
    }
  }
  plugins {
    kernel-libipsec {
      allow_peer_ts = no
    }
  }
}
starter {
  load_warning = no
}
swanctl {
  load = pem pkcs1 x509 revocation constraints pubkey random
}
EOF
}

write_responder_conf() { # file
  local f=$1 i=0 ip c j
  local -a tips psks rcidrs
  IFS=, read -r -a tips <<<"$TUNNEL_IPS"
  IFS=, read -r -a psks <<<"$PSKS"
  IFS=, read -r -a rcidrs <<<"$ROUTABLE_CIDRS"
  {
    echo "# generated by lab.sh: responder (Heroku Private Space side), IKEv$IKE"
    echo "connections {"
    for ip in "${tips[@]}"; do
      i=$((i+1))
      cat <<EOF
  tunnel$i {
    version = $IKE
    local_addrs = $ip
    remote_addrs = $CUSTOMER_IP
    proposals = $PROPOSALS
    aggressive = no
    dpd_delay = 10s
    local {
      auth = psk
      id = $ip
    }
    remote {
      auth = psk
      id = $CUSTOMER_ID
    }
    children {
EOF
      if [[ $IKE == 1 ]]; then
        # IKEv1 negotiates exactly one subnet pair per CHILD_SA: one child config per routable CIDR
        j=0
        for c in "${rcidrs[@]}"; do
          j=$((j+1))
          cat <<EOF
      tunnel$i-net$j {
        local_ts = $SPACE_CIDR
        remote_ts = $c
        esp_proposals = $PROPOSALS
        start_action = none
      }
EOF
        done
      else
        cat <<EOF
      tunnel$i {
        local_ts = $SPACE_CIDR
        remote_ts = $ROUTABLE_CIDRS
        esp_proposals = $PROPOSALS
        start_action = none
      }
EOF
      fi
      echo "    }"
      echo "  }"
    done
    echo "}"
    echo "secrets {"
    i=0
    for ip in "${tips[@]}"; do
      i=$((i+1))
      local secret=${psks[$((i-1))]}
      [[ $secret =~ ^0[sx] ]] || secret="\"$secret\""
      cat <<EOF
  ike-tunnel$i {
    id = $ip
    secret = $secret
  }
EOF
    done
    echo "}"
  } >"$f"
}

# start_holder side: a process in a new mount namespace (inside the side's netns) that owns the mounts
start_holder() {
  local side=$1 ns=$2 d=$LAB_DIR/$1
  rm -f "$d/ready" "$d/holder.pid"
  cat >"$d/holder.sh" <<EOF
set -e
mount -t tmpfs -o mode=0755 lab-run /run
mount --bind $d/etc/strongswan.conf /etc/strongswan.conf
mount --bind $d/etc/ipsec.conf /etc/ipsec.conf
mount --bind $d/etc/ipsec.secrets /etc/ipsec.secrets
mount --bind $d/etc/swanctl /etc/swanctl
echo \$\$ >$d/holder.pid
touch $d/ready
exec sleep $((LAB_TTL + 120))
EOF
  setsid ip netns exec "$ns" unshare -m --propagation private bash "$d/holder.sh" \
    </dev/null >>"$d/holder.log" 2>&1 &
  wait_until 10 test -e "$d/ready" || die "$side: mount namespace setup failed: $(cat "$d/holder.log")"
}

conn_loaded() { in_side customer ipsec statusall 2>/dev/null | grep -E "^ *$1(\\{[0-9]+\\}|\\[[0-9]+\\])?: " >/dev/null; }
all_conns_received() { local c; for c in "$@"; do grep -F "received stroke: add connection '$c'" "$LAB_DIR/customer/charon.log" >/dev/null || return 1; done; }
all_conns_loaded() { local c; for c in "$@"; do conn_loaded "$c" || return 1; done; }
customer_child_installed() { # name
  sas_of customer | awk -v n="$1" '$3 == n && $4 == "INSTALLED" { ok=1 } END { exit !ok }'
}

# ---------------------------------------------------------------- up
cmd_up() {
  local CUSTOMER_DIR="" STYLE=ipsec IKE=2 TUNNEL_IPS=203.0.113.11,203.0.113.12
  local PSKS=lab-psk-tunnel-1,lab-psk-tunnel-2 SPACE_CIDR=10.0.0.0/16 CUSTOMER_IP=198.51.100.10
  local CUSTOMER_ID="" ROUTABLE_CIDRS=172.16.0.0/16,192.168.50.0/24 PROPOSALS=aes256-sha256-modp2048
  local NO_AUTOSTART=0
  while (( $# )); do
    case $1 in
      --customer-dir) CUSTOMER_DIR=${2:?}; shift 2 ;;
      --style) STYLE=${2:?}; shift 2 ;;
      --ike) IKE=${2:?}; shift 2 ;;
      --tunnel-ips) TUNNEL_IPS=${2:?}; shift 2 ;;
      --psks) PSKS=${2:?}; shift 2 ;;
      --space-cidr) SPACE_CIDR=${2:?}; shift 2 ;;
      --customer-ip) CUSTOMER_IP=${2:?}; shift 2 ;;
      --customer-id) CUSTOMER_ID=${2:?}; shift 2 ;;
      --routable-cidrs) ROUTABLE_CIDRS=${2:?}; shift 2 ;;
      --proposals) PROPOSALS=${2:?}; shift 2 ;;
      --no-autostart) NO_AUTOSTART=1; shift ;;
      *) echo "unknown option $1" >&2; usage ;;
    esac
  done
  CUSTOMER_ID=${CUSTOMER_ID:-$CUSTOMER_IP}
  [[ -n $CUSTOMER_DIR && -d $CUSTOMER_DIR ]] || { echo "--customer-dir DIR is required" >&2; exit 2; }
  CUSTOMER_DIR=$(readlink -f "$CUSTOMER_DIR")
  [[ $STYLE == ipsec || $STYLE == swanctl ]] || { echo "--style ipsec|swanctl" >&2; exit 2; }
  [[ $IKE == 1 || $IKE == 2 ]] || { echo "--ike 1|2" >&2; exit 2; }
  is_ipv4 "$CUSTOMER_IP" || { echo "bad --customer-ip" >&2; exit 2; }
  local x
  for x in ${TUNNEL_IPS//,/ }; do is_ipv4 "$x" || { echo "bad tunnel ip $x" >&2; exit 2; }; done
  for x in ${SPACE_CIDR//,/ } ${ROUTABLE_CIDRS//,/ }; do is_cidr "$x" || { echo "bad CIDR $x" >&2; exit 2; }; done
  if [[ $STYLE == ipsec ]]; then
    [[ -f $CUSTOMER_DIR/ipsec.conf ]] || { echo "$CUSTOMER_DIR/ipsec.conf missing" >&2; exit 2; }
  else
    [[ -f $CUSTOMER_DIR/swanctl.conf ]] || { echo "$CUSTOMER_DIR/swanctl.conf missing" >&2; exit 2; }
  fi
  [[ $(id -u) == 0 ]] || die "must run as root"
  if [[ -e $STATE ]] || ip netns list | grep -E "^($NS_C|$NS_S)( |$)" >/dev/null; then
    log "leftovers of lab '$LAB_ID' found; cleaning first"
    cmd_down
  fi

  local SPACE_HOST CUSTOMER_HOSTS="" c
  SPACE_HOST=$(cidr_host "${SPACE_CIDR%%,*}" 10)
  for c in ${ROUTABLE_CIDRS//,/ }; do CUSTOMER_HOSTS+=${CUSTOMER_HOSTS:+,}$(cidr_host "$c" 1); done

  mkdir -p "$LAB_DIR"/{customer,space}/etc/swanctl/{conf.d,private,x509,x509ca,x509aa,x509ac,x509crl,x509ocsp,rsa,ecdsa,pkcs8,pkcs12,pubkey,bliss}
  cat >"$STATE" <<EOF
STYLE=$STYLE
IKE=$IKE
TUNNEL_IPS=$TUNNEL_IPS
SPACE_CIDR=$SPACE_CIDR
SPACE_HOST=$SPACE_HOST
CUSTOMER_IP=$CUSTOMER_IP
ROUTABLE_CIDRS=$ROUTABLE_CIDRS
CUSTOMER_HOSTS=$CUSTOMER_HOSTS
CUSTOMER_DIR=$CUSTOMER_DIR
EOF
  # watchdog: tear everything down after LAB_TTL seconds no matter what
  LAB_ID=$LAB_ID LAB_DIR=$LAB_DIR setsid bash -c 'echo $$ >"$3"; sleep "$1"; exec "$2" down' _ \
    "$LAB_TTL" "$SELF" "$LAB_DIR/watchdog.pgid" </dev/null >/dev/null 2>&1 &
  wait_until 5 test -s "$LAB_DIR/watchdog.pgid" || die "watchdog did not start"

  # -- network
  ip netns add "$NS_C" || die "ip netns add $NS_C"
  ip netns add "$NS_S" || die "ip netns add $NS_S"
  ip -n "$NS_C" link add veth0 type veth peer name veth1 netns "$NS_S" || die "veth"
  ip -n "$NS_C" link set lo up && ip -n "$NS_S" link set lo up || die "lo up"
  ip -n "$NS_C" addr add "$CUSTOMER_IP/24" dev veth0 || die "customer ip"
  for x in ${TUNNEL_IPS//,/ }; do ip -n "$NS_S" addr add "$x/24" dev veth1 || die "tunnel ip $x"; done
  ip -n "$NS_C" link set veth0 up && ip -n "$NS_S" link set veth1 up || die "veth up"
  # on-link routes between the two "public" networks; deliberately no default route anywhere
  local cnet snet
  cnet=$(cidr_host "$CUSTOMER_IP/24" 0)/24
  for x in ${TUNNEL_IPS//,/ }; do
    snet=$(cidr_host "$x/24" 0)/24
    [[ $snet == "$cnet" ]] && continue
    ip -n "$NS_C" route replace "$snet" dev veth0 || die "route $snet"
  done
  for x in ${TUNNEL_IPS//,/ }; do
    snet=$(cidr_host "$x/24" 0)/24
    [[ $snet == "$cnet" ]] && continue
    ip -n "$NS_S" route replace "$cnet" dev veth1 || die "route $cnet"
    break
  done
  for x in ${CUSTOMER_HOSTS//,/ }; do ip -n "$NS_C" addr add "$x/32" dev lo || die "customer host $x"; done
  ip -n "$NS_S" addr add "$SPACE_HOST/32" dev lo || die "space host"
  # DAD off so the addresses are usable at once (IPv6 is not used, but no surprises)
  ip netns exec "$NS_C" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
  ip netns exec "$NS_S" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true

  # -- responder ("space"): plain charon driven by swanctl
  local SP=$LAB_DIR/space CU=$LAB_DIR/customer
  local base=${LAB_PLUGINS:-"random nonce aes sha1 sha2 hmac gmp kdf kernel-libipsec kernel-netlink socket-default"}
  write_strongswan_conf "$SP/etc/strongswan.conf" "$SP/charon.log" "$base vici"
  : >"$SP/etc/ipsec.conf"; : >"$SP/etc/ipsec.secrets"; chmod 600 "$SP/etc/ipsec.secrets"
  write_responder_conf "$SP/etc/swanctl/swanctl.conf"
  start_holder space "$NS_S"
  in_side space setsid "$CHARON" </dev/null >>"$SP/charon.out" 2>&1 &
  wait_until 15 in_side space test -S /run/charon.vici || die "responder charon did not start: $(tail -5 "$SP/charon.out" "$SP/charon.log" 2>&1)"
  in_side space swanctl --load-all >>"$SP/swanctl-load.log" 2>&1 \
    || die "responder swanctl --load-all failed: $(cat "$SP/swanctl-load.log")"

  # -- customer: the caller's config
  write_strongswan_conf "$CU/etc/strongswan.conf" "$CU/charon.log" "$base stroke vici"
  if [[ $STYLE == ipsec ]]; then
    cp "$CUSTOMER_DIR/ipsec.conf" "$CU/etc/ipsec.conf"
    if [[ -f $CUSTOMER_DIR/ipsec.secrets ]]; then cp "$CUSTOMER_DIR/ipsec.secrets" "$CU/etc/ipsec.secrets"; else : >"$CU/etc/ipsec.secrets"; fi
    (( NO_AUTOSTART )) && sed -i -E 's/^([[:space:]]*auto[[:space:]]*=[[:space:]]*)(start|route)[[:space:]]*$/\1add/' "$CU/etc/ipsec.conf"
  else
    : >"$CU/etc/ipsec.conf"; : >"$CU/etc/ipsec.secrets"
    cp "$CUSTOMER_DIR/swanctl.conf" "$CU/etc/swanctl/swanctl.conf"
    [[ -d $CUSTOMER_DIR/conf.d ]] && cp -r "$CUSTOMER_DIR/conf.d/." "$CU/etc/swanctl/conf.d/"
    (( NO_AUTOSTART )) && sed -i -E '/^[[:space:]]*start_action[[:space:]]*=/d' "$CU/etc/swanctl/swanctl.conf"
  fi
  chmod 600 "$CU/etc/ipsec.secrets"
  start_holder customer "$NS_C"
  if [[ $STYLE == ipsec ]]; then
    in_side customer ipsec start >>"$CU/starter.log" 2>&1 || die "ipsec start failed: $(cat "$CU/starter.log")"
    wait_until 15 in_side customer test -S /run/charon.ctl || die "customer charon (starter) did not start: $(tail -20 "$CU/charon.log" 2>&1)"
    # starter loads ipsec.conf asynchronously; wait until it is done
    local conns missing=""
    # every conn but %default and the ones that say auto=ignore themselves (shared settings pulled in by also=)
    conns=$(awk '$1 == "conn" { name = $2; if (name != "%default") { order[++n] = name; ignored[name] = 0 }; next }
      $1 == "config" || $1 == "ca" { name = ""; next }
      name != "" && /^[[:space:]]*auto[[:space:]]*=[[:space:]]*ignore[[:space:]]*$/ { ignored[name] = 1 }
      END { for (i = 1; i <= n; i++) if (!ignored[order[i]]) print order[i] }' "$CU/etc/ipsec.conf")
    # starter hands every conn to charon ("received stroke: add connection 'X'"); once all are handed over,
    # the ones charon rejected are missing from statusall
    [[ -n $conns ]] && wait_until 10 all_conns_received $conns
    if [[ -n $conns ]] && ! wait_until 2 all_conns_loaded $conns; then
      for c in $conns; do conn_loaded "$c" || missing+=" $c"; done
      log "conn(s) not loaded by charon:$missing -- related charon log lines:"
      grep -E 'not recognized|skipped|invalid|failed|error|ignored' "$CU/charon.log" | grep -v 'vici' | head -n 20 >&2
      die "the customer ipsec.conf did not load completely (run lab.sh down)"
    fi
  else
    in_side customer setsid "$CHARON" </dev/null >>"$CU/charon.out" 2>&1 &
    wait_until 15 in_side customer test -S /run/charon.vici || die "customer charon did not start: $(tail -20 "$CU/charon.log" 2>&1)"
    in_side customer swanctl --load-all >>"$CU/swanctl-load.log" 2>&1 \
      || die "customer swanctl --load-all failed: $(cat "$CU/swanctl-load.log")"
  fi
  wait_until 15 in_side customer test -S /run/charon.vici || die "customer vici socket missing"
  log "up: lab $LAB_ID style=$STYLE ike=$IKE customer=$NS_C ($CUSTOMER_IP; hosts $CUSTOMER_HOSTS) space=$NS_S ($TUNNEL_IPS; host $SPACE_HOST)"
  echo "CUSTOMER_HOSTS=$CUSTOMER_HOSTS"
  echo "SPACE_HOST=$SPACE_HOST"
}

# ---------------------------------------------------------------- SA listing
# sas_of side: one line per CHILD_SA (parsed from `swanctl --list-sas --raw`)
sas_of() {
  in_side "$1" swanctl --list-sas --raw 2>/dev/null | node -e '
    let s = require("fs").readFileSync(0, "utf8");
    // raw vici dump: "list-sa event {name {k=v ... child-sas {cname {k=v ... local-ts [a b] ...}}}}"
    const tok = s.match(/\{|\}|\[[^\]]*\]|[^\s{}\[\]=]+=\[[^\]]*\]|[^\s{}]+=[^\s{}]*|[^\s{}]+/g) || [];
    function parse(i) { const o = {}; let key = null;
      for (; i < tok.length; i++) { const t = tok[i];
        if (t === "}") return [o, i];
        if (t === "{") { const [v, j] = parse(i + 1); o[key] = v; key = null; i = j; continue; }
        const eq = t.indexOf("=");
        if (eq > 0) { let v = t.slice(eq + 1); if (v.startsWith("[")) v = v.slice(1, -1).trim().split(/\s+/).join(","); o[t.slice(0, eq)] = v; }
        else if (t.startsWith("[")) { if (key) o[key] = t.slice(1, -1).trim().split(/\s+/).join(","); key = null; }
        else key = t;
      } return [o, i]; }
    const lines = []; let i = 0;
    while (i < tok.length) { if (tok[i] === "{") { const [o, j] = parse(i + 1); i = j + 1;
        for (const [ike, sa] of Object.entries(o)) { const ch = sa["child-sas"] || {};
          for (const c of Object.values(ch)) lines.push([process.argv[1], ike, c.name, c.state, sa["remote-host"],
            c["local-ts"] || "-", c["remote-ts"] || "-", c["bytes-in"] || 0, c["bytes-out"] || 0,
            c["packets-in"] || 0, c["packets-out"] || 0].join(" ")); } } else i++; }
    process.stdout.write(lines.map(l => l + "\n").join(""));
  ' "$1"
}

cmd_sas() {
  load_state
  local side
  for side in ${1:-customer space}; do sas_of "$side"; done
}

cmd_status() {
  load_state
  echo "== customer ($NS_C, style $STYLE)"
  [[ $STYLE == ipsec ]] && in_side customer ipsec statusall
  in_side customer swanctl --list-sas
  echo "== space ($NS_S)"
  in_side space swanctl --list-sas
}

# ---------------------------------------------------------------- initiate / terminate
cmd_initiate() {
  load_state
  local name=${1:?usage: initiate NAME [SECS]} secs=${2:-30} rc
  if [[ $STYLE == ipsec ]]; then
    timeout "$secs" nsenter -t "$(holder_pid customer)" -m -n -- ipsec up "$name"; rc=$?
  else
    timeout "$secs" nsenter -t "$(holder_pid customer)" -m -n -- swanctl --initiate --child "$name" --timeout "$secs"; rc=$?
  fi
  if wait_until 5 customer_child_installed "$name"; then
    log "initiate $name: CHILD_SA installed"
    return 0
  fi
  log "initiate $name: FAILED (rc=$rc); last customer log lines:"
  tail -n 15 "$LAB_DIR/customer/charon.log" >&2
  return 1
}

# true when no CHILD_SA and no IKE_SA of that name is left on the customer side
no_sa_named() { ! sas_of customer | awk -v n="$1" '$2 == n || $3 == n { f=1 } END { exit !f }' \
  && ! in_side customer swanctl --list-sas --raw 2>/dev/null | grep -E "[{ ]$1 \\{uniqueid=" >/dev/null; }
no_ike_sas() { ! in_side customer swanctl --list-sas --raw 2>/dev/null | grep 'uniqueid=' >/dev/null; }

cmd_terminate() {
  load_state
  local name=${1:-} id
  if [[ -z $name ]]; then
    for id in $(in_side customer swanctl --list-sas --raw 2>/dev/null | grep -oE '\{uniqueid=[0-9]+ version' | grep -oE '[0-9]+'); do
      in_side customer timeout 15 swanctl --terminate --ike-id "$id" --timeout 10 >/dev/null 2>&1 || true
    done
    wait_until 15 no_ike_sas || { log "terminate: SAs still present"; return 1; }
  elif [[ $STYLE == ipsec ]]; then
    in_side customer timeout 15 ipsec down "$name" || true
    wait_until 15 no_sa_named "$name" || { log "terminate $name: SAs still present"; return 1; }
  else
    in_side customer timeout 15 swanctl --terminate --ike "$name" --timeout 10 2>/dev/null \
      || in_side customer timeout 15 swanctl --terminate --child "$name" --timeout 10 || true
    wait_until 15 no_sa_named "$name" || { log "terminate $name: SAs still present"; return 1; }
  fi
  log "terminate ${name:-all}: done"
}

# ---------------------------------------------------------------- tcp
side_of_ip() { # ip -> customer|space
  local side ns
  for side in customer space; do
    [[ $side == customer ]] && ns=$NS_C || ns=$NS_S
    ip -n "$ns" -o -4 addr show 2>/dev/null | awk -v ip="$1" '{ split($4, a, "/"); if (a[1] == ip) f = 1 } END { exit !f }' \
      && { echo "$side"; return 0; }
  done
  return 1
}

sa_bytes() { sas_of customer | awk '{ print $2 "/" $3 " remote=" $5 " " $8 " " $9 }'; }

cmd_tcp() {
  load_state
  local check=1 args=()
  while (( $# )); do case $1 in --no-sa-check) check=0; shift ;; *) args+=("$1"); shift ;; esac; done
  local src=${args[0]:-} dst=${args[1]:-} port=${args[2]:-7000}
  [[ -n $src && -n $dst ]] || { echo "usage: tcp [--no-sa-check] SRC_IP DST_IP [PORT]" >&2; exit 2; }
  local ss ds
  ss=$(side_of_ip "$src") || die "$src is not an address in the lab"
  ds=$(side_of_ip "$dst") || die "$dst is not an address in the lab"
  local before; before=$(sa_bytes)
  local d=$LAB_DIR/tcp; mkdir -p "$d"; rm -f "$d/listening"
  # one-shot echo server, bounded to 15 s
  in_side "$ds" timeout 15 node -e '
    const net = require("net"); const fs = require("fs");
    const [host, port, flag] = process.argv.slice(1);
    const srv = net.createServer(c => { c.on("data", d => c.write(d)); c.on("end", () => { c.end(); srv.close(); });
      c.on("error", () => srv.close()); });
    srv.listen(+port, host, () => fs.writeFileSync(flag, String(process.pid)));
  ' "$dst" "$port" "$d/listening" >"$d/server.log" 2>&1 &
  local spid=$!
  wait_until 5 test -s "$d/listening" || { kill "$spid" 2>/dev/null; die "echo server did not start on $dst:$port: $(cat "$d/server.log")"; }
  local out rc
  out=$(in_side "$ss" timeout 10 node -e '
    const net = require("net");
    const [host, port, src] = process.argv.slice(1);
    const payload = Buffer.alloc(65536, "heroku-vpn-lab-"); let got = 0; const t0 = Date.now();
    const s = net.connect({ host, port: +port, localAddress: src, timeout: +process.env.LAB_TCP_TIMEOUT_MS || 5000 }, () => { s.end(payload); });
    s.on("data", d => { got += d.length; });
    s.on("timeout", () => { console.log("timeout after " + (Date.now() - t0) + " ms, echoed " + got); process.exit(1); });
    s.on("error", e => { console.log(e.code || e.message); process.exit(1); });
    s.on("close", () => { if (got === payload.length) { console.log("echoed " + got + " bytes in " + (Date.now() - t0) + " ms"); process.exit(0); }
      console.log("short echo " + got); process.exit(1); });
  ' "$dst" "$port" "$src" 2>&1); rc=$?
  kill "$(cat "$d/listening" 2>/dev/null)" 2>/dev/null; kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
  if (( rc != 0 )); then
    echo "tcp $src -> $dst:$port FAILED: $out"
    return 1
  fi
  local after via
  after=$(sa_bytes)
  via=$(join -j1 <(echo "$before" | awk 'NF{print $1 "|" $2, $3, $4}' | sort) \
                 <(echo "$after" | awk 'NF{print $1 "|" $2, $3, $4}' | sort) -a2 \
        | awk '{ bi = (NF == 5 ? $2 : 0); bo = (NF == 5 ? $3 : 0); ai = $(NF-1); ao = $NF;
                 if (ai > bi && ao > bo) { split($1, k, "|"); printf "%s %s bytes_in+%d bytes_out+%d; ", k[1], k[2], ai-bi, ao-bo } }')
  if [[ -z $via ]]; then
    if (( check )); then
      echo "tcp $src -> $dst:$port: $out, but NO customer CHILD_SA counter grew (not through the tunnel?)"
      return 1
    fi
    via="(no CHILD_SA counter grew)"
  fi
  echo "tcp $src -> $dst:$port ok: $out via $via"
}

# ---------------------------------------------------------------- misc
cmd_exec() {
  load_state
  local side=${1:?usage: exec customer|space CMD...}; shift
  [[ $side == customer || $side == space ]] || { echo "side must be customer or space" >&2; exit 2; }
  in_side "$side" "$@"
}

cmd_logs() {
  local side
  for side in space customer; do
    echo "===== $side: $LAB_DIR/$side/charon.log"
    cat "$LAB_DIR/$side/charon.log" 2>/dev/null
    for f in charon.out starter.log swanctl-load.log holder.log; do
      [[ -s $LAB_DIR/$side/$f ]] && { echo "----- $side/$f"; cat "$LAB_DIR/$side/$f"; }
    done
  done
}

kill_ns_pids() { # ns
  local ns=$1 pids i
  pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
  [[ -z ${pids// } ]] && return 0
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null
  for i in $(seq 1 25); do
    pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
    [[ -z ${pids// } ]] && return 0
    sleep 0.2
  done
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null
  sleep 0.2
}

down_one() { # id dir
  local id=$1 dir=$2 ns pg
  if [[ -s $dir/watchdog.pgid ]]; then
    pg=$(cat "$dir/watchdog.pgid")
    # do not kill ourselves when the watchdog runs `down`
    if [[ -n $pg && $pg != "$$" ]]; then kill -TERM -- "-$pg" 2>/dev/null; fi
  fi
  for ns in "$PREFIX-$id-customer" "$PREFIX-$id-space"; do
    if ip netns list 2>/dev/null | grep -E "^$ns( |$)" >/dev/null; then
      kill_ns_pids "$ns"
      ip netns del "$ns" 2>/dev/null || log "could not delete netns $ns"
    fi
  done
}

cmd_down() {
  local keep=0 all=0
  while (( $# )); do case $1 in --keep-logs) keep=1 ;; --all) all=1 ;; esac; shift; done
  down_one "$LAB_ID" "$LAB_DIR"
  if (( all )); then
    local ns id
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$PREFIX-[a-z0-9]+-(customer|space)$"); do
      id=${ns#"$PREFIX"-}; id=${id%-*}
      down_one "$id" "/tmp/$PREFIX-$id"
      [[ -d /tmp/$PREFIX-$id ]] && rm -rf "/tmp/${PREFIX:?}-$id"
    done
  fi
  if [[ -d $LAB_DIR ]]; then
    if (( keep )); then
      find "$LAB_DIR" -mindepth 1 -maxdepth 1 ! -name customer ! -name space -exec rm -rf {} +
      rm -rf "$LAB_DIR"/customer/etc "$LAB_DIR"/space/etc
    else
      rm -rf "$LAB_DIR"
    fi
  fi
  return 0
}

# ---------------------------------------------------------------- main
cmd=${1:-}; shift || true
case $cmd in
  check) cmd_check "$@" ;;
  up) cmd_up "$@" ;;
  initiate) cmd_initiate "$@" ;;
  terminate) cmd_terminate "$@" ;;
  tcp) cmd_tcp "$@" ;;
  sas) cmd_sas "$@" ;;
  status) cmd_status "$@" ;;
  exec) cmd_exec "$@" ;;
  logs) cmd_logs "$@" ;;
  down) cmd_down "$@" ;;
  -h|--help|help|"") usage ;;
  *) echo "unknown command $cmd" >&2; usage ;;
esac
