#!/usr/bin/env bash
# Fabric benchmarks. Prints figures for BENCHMARKS.md.
# Usage: vmrole-bench/fabric-bench.sh recovery [ROUNDS]                      (real QEMU; ~15 min under TCG)
#        vmrole-bench/fabric-bench.sh heartbeats [HOSTS [SECONDS [IN_FLIGHT]]] (controller in a child JVM)
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$ROOT/scripts/lib.sh"
need_jdk
cd "$ROOT"
case "${1:-}" in
  recovery) MAIN=org.vmrole.bench.fabric.RecoveryScenario ;;
  heartbeats) MAIN=org.vmrole.bench.fabric.HeartbeatLoadScenario ;;
  *) echo "usage: $0 recovery [ROUNDS] | heartbeats [HOSTS [SECONDS [IN_FLIGHT]]]" >&2; exit 2 ;;
esac
shift
# one reactor run: the last module built is vmrole-bench, so the classpath file ends up holding its classpath
mvn -B -q -DskipTests -pl vmrole-bench -am compile dependency:build-classpath \
  -Dmdep.outputFile="$ROOT/vmrole-bench/target/fabric.classpath" -Dmdep.includeScope=runtime >&2
CP="$ROOT/vmrole-bench/target/classes:$(cat "$ROOT/vmrole-bench/target/fabric.classpath")"
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx512m -cp "$CP" "$MAIN" "$@"
