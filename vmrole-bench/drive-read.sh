#!/usr/bin/env bash
# A drive's sequential reads from the host side (qemu-img bench over the NBD export of a page blob) against the storage
# service's own page-blob GET rate, interleaved round by round, each round printed with the load average; then the
# median of the counted rounds. About 2 minutes on a quiet 2-core machine (256 MiB disk, 7 rounds, 4 passes a round).
# Usage: vmrole-bench/drive-read.sh [WORKDIR [DISK_MIB [ROUNDS [WORKLOAD]]]]   (WORKLOAD "" runs all four of BENCHMARKS.md)
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$ROOT/scripts/lib.sh"
need_jdk
WORK=${1:-/tmp/vmrole-bench-drive}
MIB=${2:-256}
ROUNDS=${3:-7}
WORKLOAD=${4-sequential read}
(cd "$ROOT" && mvn -B -q -DskipTests -pl vmrole-bench -am install dependency:build-classpath \
  -Dmdep.outputFile="$ROOT/vmrole-bench/target/bench.classpath" -Dmdep.includeScope=runtime >&2)
rm -rf "$WORK"   # a fresh storage service: the blobs of an earlier run are leased
timeout 600 java -Xmx1g -cp "$ROOT/vmrole-bench/target/classes:$(cat "$ROOT/vmrole-bench/target/bench.classpath")" \
  org.vmrole.bench.drive.DriveBenchmark "$WORK" "$MIB" "$ROUNDS" "$WORKLOAD" 2>/dev/null | grep -v -i -E ' (INFO|WARN|DEBUG) |^$' || true
