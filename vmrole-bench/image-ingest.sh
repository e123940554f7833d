#!/usr/bin/env bash
# Image ingest benchmark: 2 GiB raw image into the repository (in process and through the HTTP API) vs cp + qemu-img convert. Prints figures for BENCHMARKS.md.
# Usage: vmrole-bench/image-ingest.sh [WORKDIR [SIZE_MIB [ROUNDS]]]   (WORKDIR needs ~8 GiB free)
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$ROOT/scripts/lib.sh"
need_jdk
cd "$ROOT"
# one reactor run: the last module built is vmrole-bench, so the classpath file ends up holding its classpath
mvn -B -q -DskipTests -pl vmrole-bench -am package dependency:build-classpath \
  -Dmdep.outputFile="$ROOT/vmrole-bench/target/bench.classpath" -Dmdep.includeScope=runtime >&2
CP="$ROOT/vmrole-bench/target/classes:$(cat "$ROOT/vmrole-bench/target/bench.classpath")"
# vmrole-server brings a logback.xml too: name the benchmark's so logback does not print its status warnings
exec "$JAVA_HOME/bin/java" -Xmx256m -Dlogback.configurationFile="$ROOT/vmrole-bench/target/classes/logback.xml" -cp "$CP" org.vmrole.bench.ImageIngestBenchmark "$@"
