#!/usr/bin/env bash
# Load balancer between machines: a client machine, a balancer machine and a backend machine, emulated with network
# namespaces on one bridge in a switch namespace (created here, removed on exit). The client measures keep-alive load straight to the
# backend and through the balancer (its kernel path and its proxy) in one run, interleaved over rounds. Two more targets
# show what the emulation itself allows: "routed" (the balancer machine only routes: no NAT, no connection tracking) and
# "stateless nat" (rewrites both ways by hand-written nftables rules, no connection tracking; the backend machine routes
# its answers back through the balancer machine, as LVS-NAT needs). One more, "lb kernel + bpf fast path", is the kernel
# path with the balancer's eBPF fast path for established connections (needs clang, libbpf-dev and bpftool; left out
# without). Needs root.
#   scripts/bench-lb-machines.sh [CONNECTIONS (1,8)] [SECONDS (5)] [WARMUP_SECONDS (2)] [ROUNDS (3)]
# 6 targets x connection counts x rounds x (SECONDS + WARMUP) seconds: about 5 minutes with the defaults.
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$ROOT/scripts/lib.sh"
CONNECTIONS=${1:-1,8}
SECONDS_MEASURED=${2:-5}
WARMUP=${3:-2}
ROUNDS=${4:-3}
need_jdk
cd "$ROOT"
# package, not compile: vmrole-etcd's tests use vmrole-fabric's test-jar, which only 'package' makes in the reactor
mvn -B -q -pl vmrole-bench -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
CP="vmrole-bench/target/classes:$(cat vmrole-bench/target/bench.classpath)"
JAVA=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xmx512m
      -Dlogback.configurationFile=org/vmrole/bench/lb/logback.xml -cp "$CP" org.vmrole.bench.lb.CrossMachineBenchmark)
N=$(( $$ % 250 + 1 ))
NET="10.215.$N"
SWITCH="vmrb${N}switch"
WORK=$(mktemp -d)
cleanup() {
  exec 3>&- 4>&- 2>/dev/null || true
  for m in client lb backend switch; do ip netns del "vmrb${N}$m" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
# The switch is a namespace of its own holding the bridge: there, and only there, bridged packets skip netfilter
# (br_netfilter sends them through iptables and connection tracking wherever net.bridge.bridge-nf-call-iptables=1,
# as in this machine's root namespace), as a real switch does. On the root namespace's bridge every crossing paid
# for it, and a path through the balancer crosses twice as often as a direct one.
ip netns add "$SWITCH"
ip netns exec "$SWITCH" ip link add sw type bridge
ip netns exec "$SWITCH" ip link set sw up
ip netns exec "$SWITCH" sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0 \
  net.bridge.bridge-nf-call-arptables=0 2>/dev/null || true
i=2
for m in client lb backend; do
  ns="vmrb${N}$m"
  ip netns add "$ns"
  ip -n "$SWITCH" link add "port$m" type veth peer name eth0 netns "$ns"
  ip -n "$SWITCH" link set "port$m" master sw up
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" ip addr add "$NET.$i/24" dev eth0
  ip netns exec "$ns" ip link set eth0 up
  i=$((i + 1))
done
CLIENT=$NET.2 LB=$NET.3 BACKEND=$NET.4
ip netns exec "vmrb${N}lb" sysctl -qw net.ipv4.ip_forward=1
# The balancer's eBPF fast path (vmrole-lb/src/main/bpf/fastpath.bpf.c, "lb kernel + bpf fast path") needs liberal TCP
# window tracking on its machine: connection tracking sees only the beginning and the end of a fast-pathed connection,
# and strict tracking takes the FIN, far beyond the window it last saw, for INVALID (not translated). The machine's
# owner sets it; here it applies to the "lb kernel" target (nftables alone) too.
ip netns exec "vmrb${N}lb" sysctl -qw net.netfilter.nf_conntrack_tcp_be_liberal=1

# backend and balancer serve until the fifos feeding their standard input close (on exit)
mkfifo "$WORK/backend.in" "$WORK/lb.in"
ip netns exec "vmrb${N}backend" "${JAVA[@]}" backend 0.0.0.0 < "$WORK/backend.in" > "$WORK/backend.out" 2>&1 &
BACKEND_PID=$!
exec 3> "$WORK/backend.in"
until grep -q "backend ready" "$WORK/backend.out"; do sleep 0.2; kill -0 $! 2>/dev/null || { cat "$WORK/backend.out"; exit 1; }; done
BACKEND_PORT=$(sed -n 's/.*backend ready port=\([0-9]*\).*/\1/p' "$WORK/backend.out")
# the fast path's endpoint on a second address of the balancer machine (see CrossMachineBenchmark#balancer)
LB_FAST=$NET.6
ip -n "vmrb${N}lb" addr add "$LB_FAST/24" dev eth0
ip netns exec "vmrb${N}lb" "${JAVA[@]}" balancer "$LB" "$BACKEND" "$BACKEND_PORT" "$LB_FAST" < "$WORK/lb.in" > "$WORK/lb.out" 2>&1 &
LB_PID=$!
exec 4> "$WORK/lb.in"
until grep -q "balancer ready" "$WORK/lb.out"; do sleep 0.2; kill -0 $! 2>/dev/null || { cat "$WORK/lb.out"; exit 1; }; done
PROXY_PORT=$(sed -n 's/.*balancer ready proxy=\([0-9]*\).*/\1/p' "$WORK/lb.out")
KERNEL_PORT=$(sed -n 's/.*kernel=\([0-9]*\).*/\1/p' "$WORK/lb.out")
FASTPATH_PORT=$(sed -n 's/.*fastpath=\([0-9]*\).*/\1/p' "$WORK/lb.out")

FASTPATH=()
if [ "$FASTPATH_PORT" != 0 ]; then
  FASTPATH=("lb kernel + bpf fast path=$LB_FAST:$FASTPATH_PORT")
  # the program the balancer attached, to read its counters at the end (with jq, where installed)
  FASTPATH_PROG=
  if command -v jq >/dev/null; then
    FASTPATH_PROG=$(ip netns exec "vmrb${N}lb" tc -j filter show dev eth0 ingress | jq -r '.[] | select(.options.prog.id) | .options.prog.id')
  fi
  map_id() { for id in $(bpftool prog show id "$FASTPATH_PROG" -j | jq -r '.map_ids[]'); do
    [ "$(bpftool map show id "$id" -j | jq -r .name)" = "$1" ] && echo "$id"; done; }
else
  echo "the balancer has no eBPF fast path; that target is left out. Its log:"
  grep -i "fast path" "$WORK/lb.out" || true
fi

# Two more addresses of the backend machine, whose answers go back through the balancer machine (policy routing), for
# the two reference targets. The balancer machine keeps its defaults (as for the kernel path); the counters below show
# that both directions of both targets went through it.
ROUTED=$NET.104 STATELESS=$NET.105 STATELESS_PORT=9999
ip -n "vmrb${N}backend" addr add "$ROUTED/32" dev eth0
ip -n "vmrb${N}backend" addr add "$STATELESS/32" dev eth0
for a in "$ROUTED" "$STATELESS"; do ip -n "vmrb${N}backend" rule add from "$a" lookup 104; done
ip -n "vmrb${N}backend" route add "$CLIENT/32" via "$LB" dev eth0 table 104
# Neither end may take the balancer machine's ICMP redirects ("reach it directly"): a backend that did would send its
# answers past the balancer machine (the stateless target then fails, the routed one gets cheaper than it is).
for m in client backend; do
  ip netns exec "vmrb${N}$m" sysctl -qw net.ipv4.conf.all.accept_redirects=0 net.ipv4.conf.eth0.accept_redirects=0
done
for a in "$ROUTED" "$STATELESS"; do ip -n "vmrb${N}client" route add "$a/32" via "$LB"; done
ip netns exec "vmrb${N}lb" nft -f - <<RULES
table ip bench_reference {
  chain raw {
    type filter hook prerouting priority raw; policy accept;
    ip daddr $ROUTED counter notrack
    ip saddr $ROUTED counter notrack
    ip daddr $LB tcp dport $STATELESS_PORT counter notrack ip daddr set $STATELESS tcp dport set $BACKEND_PORT
    ip saddr $STATELESS tcp sport $BACKEND_PORT counter notrack
  }
  chain out {
    type filter hook postrouting priority 0; policy accept;
    ip saddr $STATELESS tcp sport $BACKEND_PORT ip saddr set $LB tcp sport set $STATELESS_PORT
  }
}
RULES
for url in "$ROUTED:$BACKEND_PORT" "$LB:$STATELESS_PORT"; do
  if ! ip netns exec "vmrb${N}client" curl -s -m 2 -o /dev/null "http://$url/"; then
    echo "reference target $url does not answer; the balancer machine's rules, neighbours and the backend's routes:"
    ip netns exec "vmrb${N}lb" nft list ruleset; ip -n "vmrb${N}lb" neigh; ip -n "vmrb${N}backend" rule; ip -n "vmrb${N}backend" route show table 104
  fi
done

uptime
echo "client $CLIENT, balancer $LB (proxy :$PROXY_PORT, kernel :$KERNEL_PORT, stateless :$STATELESS_PORT; fast path $LB_FAST:$FASTPATH_PORT), backend $BACKEND:$BACKEND_PORT (routed $ROUTED)"
ip netns exec "vmrb${N}client" "${JAVA[@]}" client "$ROUNDS" "$CONNECTIONS" "$WARMUP" "$SECONDS_MEASURED" "$BACKEND_PID,$LB_PID" \
  "direct=$BACKEND:$BACKEND_PORT" "lb kernel=$LB:$KERNEL_PORT" "${FASTPATH[@]}" "lb proxy (tcp)=$LB:$PROXY_PORT" \
  "routed (no NAT, no conntrack)=$ROUTED:$BACKEND_PORT" "stateless nat (no conntrack)=$LB:$STATELESS_PORT"
uptime
echo "packets of the reference targets through the balancer machine (to the backend, back; routed, then stateless):"
ip netns exec "vmrb${N}lb" nft list chain ip bench_reference raw | grep -o 'packets [0-9]*' | tr '\n' ' '; echo
if [ -n "${FASTPATH_PROG:-}" ]; then
  # per-CPU counters of the program: packets it forwarded, packets it left to the stack, entry timeout refreshes
  echo "eBPF fast path: $(bpftool map dump id "$(map_id stats)" -j | jq -r '[.[] | [.formatted.values[].value] | add] | "forwarded \(.[0]), to the stack \(.[1]), timeout refreshes \(.[2])"')"
fi
