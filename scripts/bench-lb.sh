#!/usr/bin/env bash
# Load-balancer benchmark: requests/s and p50/p99 latency through vmrole-lb against the same keep-alive load
# sent straight to a fast backend, on loopback. Arguments go to LoadBalancerBenchmark, e.g.
#   scripts/bench-lb.sh --connections 1,8 --seconds 8 --rounds 2
#   scripts/bench-lb.sh --connections 4 --rate 5000
#   scripts/bench-lb.sh --placement shared,pinned --rounds 3   # pinned: balancer in its own JVM on CPU 1 (taskset),
#                                                              # client and backend on CPU 0, for direct runs too
#   scripts/bench-lb.sh --placement pinned --transport io_uring   # or --busy-poll-us 50 (epoll polls, burns its CPU)
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$ROOT/scripts/lib.sh"
BENCH_JAVA_OPTS="--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xmx1g" \
  run_bench org.vmrole.bench.lb.LoadBalancerBenchmark "$@"
