#!/usr/bin/env bash
# Private-network benchmark: 1514-byte frames from one instance's NIC socket to another's through one host's
# switch and through two hosts (switch, tunnel, switch), against a plain loopback TCP stream of the same frames.
#   scripts/bench-private-network.sh [SECONDS [ROUNDS]]
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$ROOT/scripts/lib.sh"
need_jdk
cd "$ROOT"
mvn -B -q -pl vmrole-bench -am compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
uptime
exec java -Xmx512m -Dlogback.configurationFile=org/vmrole/bench/lb/logback.xml \
  -cp "vmrole-bench/target/classes:$(cat vmrole-bench/target/bench.classpath)" \
  org.vmrole.bench.lan.PrivateNetworkBenchmark "$@"
