#!/usr/bin/env bash
# Image upload and host fetch, images in the Blob service (this tree) against images on the controller's disk (a
# baseline commit), interleaved one JVM per measurement; then the two fetch paths of this tree. Prints figures for BENCHMARKS.md.
# Usage: vmrole-bench/image-transfer.sh [WORKDIR [SIZE_MIB [ROUNDS [BASELINE_COMMIT [raw|qcow2]]]]]   (WORKDIR needs ~5x SIZE free)
# The disk is sent raw (written straight to qcow2 as it arrives) or as a qcow2 from qemu-img (kept as uploaded).
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$ROOT/scripts/lib.sh"
need_jdk
WORK=${1:-/tmp/vmrole-bench-transfer}
MIB=${2:-2048}
ROUNDS=${3:-3}
BASE=${4:-51ba060}
FORMAT=${5:-raw}
mkdir -p "$WORK"
classpath() { # module tree -> classpath of its vmrole-bench
  # the shaded server jar comes first on the classpath; made again from scratch, or the shade plugin shades the old
  # shaded jar again (vmrole-server's own classes unchanged) and keeps the other modules' classes as they were then
  rm -f "$1/vmrole-server/target/vmrole.jar"
  (cd "$1" && mvn -B -q -DskipTests -pl vmrole-bench -am package dependency:build-classpath \
    -Dmdep.outputFile="$1/vmrole-bench/target/bench.classpath" -Dmdep.includeScope=runtime >&2)
  echo "$1/vmrole-bench/target/classes:$(cat "$1/vmrole-bench/target/bench.classpath")"
}
# the baseline: that commit's tree with this benchmark class added (it uses only what both trees have)
if [ "$(cat "$WORK/baseline/.commit" 2>/dev/null)" != "$BASE" ]; then
  rm -rf "$WORK/baseline" && mkdir -p "$WORK/baseline"
  git -C "$ROOT" archive "$BASE" | tar -x -C "$WORK/baseline"
  [ -d "$ROOT/.mvn" ] && cp -r "$ROOT/.mvn" "$WORK/baseline/"
  echo "$BASE" > "$WORK/baseline/.commit"
fi
cp "$ROOT/vmrole-bench/src/main/java/org/vmrole/bench/ImageTransferBenchmark.java" "$WORK/baseline/vmrole-bench/src/main/java/org/vmrole/bench/"
BASE_CP=$(classpath "$WORK/baseline")
NEW_CP=$(classpath "$ROOT")
run() { "$JAVA_HOME/bin/java" -Xmx256m -Dlogback.configurationFile="$ROOT/vmrole-bench/target/classes/logback.xml" -cp "$1" "${@:2}"; }
echo "load average at start: $(cat /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
  run "$BASE_CP" org.vmrole.bench.ImageTransferBenchmark "$WORK" "$MIB" "round $r, $FORMAT, disk ($BASE)" "$FORMAT"
  run "$NEW_CP" org.vmrole.bench.ImageTransferBenchmark "$WORK" "$MIB" "round $r, $FORMAT, blob service" "$FORMAT"
done
[ "${FETCH_PATHS:-yes}" = no ] || run "$NEW_CP" org.vmrole.bench.ImageFetchPaths "$WORK" "$MIB" "$ROUNDS"
echo "load average at end: $(cat /proc/loadavg)"
