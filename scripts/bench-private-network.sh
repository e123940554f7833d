#!/usr/bin/env bash
# Private-network benchmark: 1514-byte frames from one instance's NIC socket to another's through one host's
# switch and through two hosts (switch, tunnel, switch), against a plain loopback TCP stream of the same frames.
#   scripts/bench-private-network.sh [SECONDS [ROUNDS]]
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$ROOT/scripts/lib.sh"
BENCH_JAVA_OPTS="-Xmx512m" run_bench org.vmrole.bench.lan.PrivateNetworkBenchmark "$@"
