#!/usr/bin/env bash
# Storage server CPU per operation and peak RSS, vmrole against Azurite 3.35.0 (issue 16), with both clients:
# the Azure SDK for JavaScript (vmrole-storage/src/test/js/bench.js) and the Azure SDK for Java
# (org.vmrole.bench.storage.StorageBenchmark ... small). Each warms both servers, then runs single table inserts,
# queue put+get+delete cycles and 4 KiB blob puts twice, interleaved (vmrole, Azurite, vmrole, Azurite).
#   scripts/bench-storage-cpu.sh            # both clients (estimated 5 minutes on a quiet 2-core machine; 18.6 at load 15-30)
#   scripts/bench-storage-cpu.sh js         # JavaScript SDK only;  scripts/bench-storage-cpu.sh java: Java SDK only
# Environment: VMROLE_BENCH_ONLY (JS: one phase, e.g. table: about 1.5 minutes), OPS (JS operations per phase, 1500; 2000 gives finer figures: /proc counts CPU in 10 ms ticks),
# SECONDS_PER_PHASE (Java, 4), AZURITE_DIR (/tmp/azurite). BENCHMARKS.md, "third pass", explains the method.
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$ROOT/scripts/lib.sh"
WHICH=${1:-both}
# the server runs with the JVM options `./vmrole storage` uses (scripts/lib.sh)
export VMROLE_STORAGE_JAVA_OPTS="${STORAGE_JAVA_OPTS[*]}"
AZURITE_DIR=${AZURITE_DIR:-/tmp/azurite}
AZURITE_JS=$AZURITE_DIR/node_modules/azurite/dist/src/azurite.js
need_jdk
cd "$ROOT"
if [ ! -f "$AZURITE_JS" ]; then
  say "installing Azurite 3.35.0 into $AZURITE_DIR"
  mkdir -p "$AZURITE_DIR" && (cd "$AZURITE_DIR" && npm install --no-audit --no-fund azurite@3.35.0 >&2)
fi
say "building (vmrole-bench and the modules it needs; test classes compiled for the JS benchmark's server)"
mvn -B -q -pl vmrole-bench -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
CP="vmrole-bench/target/classes:$(cat vmrole-bench/target/bench.classpath)"

if [ "$WHICH" != java ]; then
  (cd vmrole-storage/src/test/js && { [ -d node_modules/@azure/data-tables ] || npm ci --no-audit --no-fund >&2; })
  say "JavaScript SDK client: $(date -u +%H:%M:%S) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  (cd vmrole-storage/src/test/js && VMROLE_BENCH_THREADS=1 node bench.js \
    "$ROOT/vmrole-storage/target/classes:$ROOT/vmrole-storage/target/test-classes:$ROOT/$CP" "$AZURITE_JS" "${OPS:-1500}" 8)
  say "JavaScript SDK client done: $(date -u +%H:%M:%S) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
fi
if [ "$WHICH" != js ]; then
  say "Java SDK client: $(date -u +%H:%M:%S) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  WORK=$(mktemp -d /tmp/vmrole-storage-bench.XXXXXX)
  trap 'rm -rf "$WORK"' EXIT
  java -Dlogback.configurationFile=org/vmrole/bench/lb/logback.xml -cp "$CP" org.vmrole.bench.storage.StorageBenchmark \
    "$WORK" "$AZURITE_JS" "${SECONDS_PER_PHASE:-4}" 64 small
  say "Java SDK client done: $(date -u +%H:%M:%S) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
fi
