#!/usr/bin/env bash
# Runs the whole proof matrix against real strongSwan with ../lab.sh and prints per-step timings.
#   For ipsec.conf and swanctl.conf, IKEv1 and IKEv2 (the hand-written samples in this directory):
#     - before any tunnel: TCP from a routable-CIDR host to the space host must FAIL (no route)
#     - tunnel 1 up, TCP both directions for every routable CIDR, each must go through a CHILD_SA whose
#       remote is tunnel 1's IP; tear down; TCP must fail again; the same for tunnel 2
#     - both tunnels up at once: TCP works; drop the newer one: TCP works through the other one
#   Negative samples (proof/negative): IKEv1 with a subnet list carries only the first subnet; the article's
#   `aes256-sha2-modp2048!` makes `lab.sh up` fail.
# Usage: sudo proof/run-proof.sh            (exit 0 only if every expectation held)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
LAB=$HERE/../lab.sh
export LAB_ID=${LAB_ID:-proof}
export LAB_TCP_TIMEOUT_MS=${LAB_TCP_TIMEOUT_MS:-3000}
trap '"$LAB" down' EXIT
T1=203.0.113.11 T2=203.0.113.12 SPACE=10.0.0.10 HOSTS="172.16.0.1 192.168.50.1"
failures=0
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { print b - a }'; }
ok() { echo "  ok   $*"; }
bad() { echo "  FAIL $*"; failures=$((failures + 1)); }

# tcp_via SRC DST TUNNEL_IP: must succeed through a CHILD_SA with that remote
tcp_via() {
  local out; out=$("$LAB" tcp "$1" "$2" 2>&1)
  if [[ $? == 0 && $out == *"remote=$3 "* ]]; then ok "$out"; else bad "tcp $1 -> $2 via $3: $out"; fi
}
tcp_fails() {
  local out; out=$("$LAB" tcp --no-sa-check "$1" "$2" 2>&1)
  if [[ $? != 0 ]]; then ok "expected failure: $out"; else bad "tcp $1 -> $2 should have failed: $out"; fi
}
initiate() { local c; for c in "$@"; do "$LAB" initiate "$c" 20 >/dev/null 2>&1 || { bad "initiate $c"; "$LAB" logs | tail -30; return 1; }; done; ok "initiated $*"; }
terminate() { "$LAB" terminate "$@" >/dev/null 2>&1 && ok "terminated ${*:-all}" || bad "terminate ${*:-all}"; }

# case STYLE IKE DIR "tunnel-1 children" "tunnel-2 children" "tunnel-1 name" "tunnel-2 name"
run_case() {
  local style=$1 ike=$2 dir=$3 c1=$4 c2=$5 n1=$6 n2=$7 t0 t s
  echo "== $style IKEv$ike ($dir)"
  t0=$(now)
  "$LAB" up --customer-dir "$HERE/$dir" --style "$style" --ike "$ike" --no-autostart >/dev/null 2>&1 \
    || { bad "lab up"; "$LAB" logs | tail -30; "$LAB" down; return; }
  printf '  [%.2fs] setup\n' "$(elapsed $t0)"
  tcp_fails 172.16.0.1 $SPACE
  for t in 1 2; do
    local children=$c1 name=$n1 tip=$T1
    [[ $t == 2 ]] && { children=$c2; name=$n2; tip=$T2; }
    local ts; ts=$(now)
    # shellcheck disable=SC2086
    initiate $children || continue
    printf '  [%.2fs] tunnel %s up\n' "$(elapsed $ts)" "$t"
    for s in $HOSTS; do tcp_via "$s" $SPACE "$tip"; tcp_via $SPACE "$s" "$tip"; done
    terminate "$name"
    tcp_fails 172.16.0.1 $SPACE
    printf '  [%.2fs] tunnel %s: up + TCP x4 + teardown\n' "$(elapsed $ts)" "$t"
  done
  echo "  -- both tunnels at once (identical selectors), then fail over"
  # shellcheck disable=SC2086
  initiate $c1 && initiate $c2 && {
    for s in $HOSTS; do tcp_via "$s" $SPACE "$T2"; done     # the newest SA wins
    terminate "$n2"
    for s in $HOSTS; do tcp_via "$s" $SPACE "$T1"; tcp_via $SPACE "$s" "$T1"; done
    terminate
  }
  t0=$(now); "$LAB" down; printf '  [%.2fs] down\n' "$(elapsed $t0)"
}

start=$(now)
"$LAB" check || exit 1
run_case ipsec   2 ipsec-ikev2   "tunnel1"                   "tunnel2"                   tunnel1      tunnel2
run_case ipsec   1 ipsec-ikev1   "tunnel1-net1 tunnel1-net2" "tunnel2-net1 tunnel2-net2" tunnel1-net1 tunnel2-net1
run_case swanctl 2 swanctl-ikev2 "tunnel1"                   "tunnel2"                   tunnel1      tunnel2
run_case swanctl 1 swanctl-ikev1 "tunnel1-net1 tunnel1-net2" "tunnel2-net1 tunnel2-net2" tunnel1      tunnel2

echo "== negative: IKEv1 with a subnet list in one conn/child carries only the first subnet"
for neg in "ipsec negative/ipsec-ikev1-leftsubnet-list" "swanctl negative/swanctl-ikev1-local-ts-list"; do
  set -- $neg
  "$LAB" up --customer-dir "$HERE/$2" --style "$1" --ike 1 --no-autostart >/dev/null 2>&1 || bad "up $2"
  initiate tunnel1 && {
    tcp_via 172.16.0.1 $SPACE $T1
    tcp_fails 192.168.50.1 $SPACE
  }
  "$LAB" down
done
echo "== negative: the article's aes256-sha2-modp2048! proposals"
if out=$("$LAB" up --customer-dir "$HERE/negative/ipsec-article-sha2" --style ipsec --ike 2 2>&1); then
  bad "lab up should fail"
else
  ok "lab up failed: $(echo "$out" | grep -m1 "not recognized")"
fi
"$LAB" down

printf '== total %.1fs, %d failure(s)\n' "$(elapsed $start)" "$failures"
(( failures == 0 ))
