# Shared by ./vmrole and ./test: find a JDK 21+, install Debian prerequisites, build the jar.
# shellcheck shell=bash

say() { printf 'vmrole: %s\n' "$*" >&2; }

java_major() {  # prints the feature version of the JDK at $1: from its release file (no JVM start), else by asking java
  local v=
  if [ -r "$1/release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release")
    [ "$v" = 1 ] && v=$(sed -n 's/^JAVA_VERSION="1\.\([0-9]*\).*/\1/p' "$1/release")
  fi
  [ -n "$v" ] && { echo "$v"; return; }
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}

find_jdk() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/javac" ] || continue
    local v; v=$(java_major "$c")
    if [ -n "$v" ] && [ "${v%%.*}" -ge 21 ] 2>/dev/null; then echo "$c"; return 0; fi
  done
  return 1
}

need_jdk() {
  if ! JAVA_HOME=$(find_jdk); then
    say "no JDK 21 or newer found (looked at JAVA_HOME='${JAVA_HOME:-}' and /usr/lib/jvm/*)."
    say "install one, e.g. 'apt-get install openjdk-21-jdk' where available, or set JAVA_HOME to a JDK 21+."
    exit 3
  fi
  export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
}

# Debian packages the platform and its tests use. Installed only when missing.
VMROLE_PACKAGES="qemu-system-x86 qemu-utils busybox-static syslinux syslinux-common mtools e2fsprogs fdisk dosfstools maven nftables iproute2 curl"
# What builds and loads the load balancer's eBPF fast path for connections it forwards between machines
# (vmrole-lb/src/main/bpf): only a server that balances for other machines uses it (not the demo, whose endpoints are
# on loopback); without it the balancer forwards through nftables alone.
FAST_PATH_PACKAGES="clang libbpf-dev bpftool"

ensure_packages() {
  local missing=() p
  for p in $VMROLE_PACKAGES "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  # the storage tests drive the service with the Azure SDK for JavaScript too; any node 18+ will do
  command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
  if [ ${#missing[@]} -eq 0 ]; then
    # the sample image is built from .deb files fetched with apt-get download, which needs package lists
    if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
      say "fetching Debian package lists (apt-get update)"
      apt-get update -qq >&2 || { say "apt-get update failed"; exit 3; }
    fi
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    say "missing Debian packages: ${missing[*]}; run as root or install them: apt-get install ${missing[*]}"
    exit 3
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || { say "apt-get update failed"; exit 3; }
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || { say "apt-get install ${missing[*]} failed"; exit 3; }
}

export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
JAR="$ROOT/vmrole-server/target/vmrole.jar"

jar_is_stale() {
  [ -f "$JAR" ] || return 0
  # build output and the JavaScript SDK's node_modules hold thousands of files and no source: not walked, since
  # every command pays for this look
  [ -n "$(find "$ROOT" \( -path "$ROOT/.git" -o -name node_modules -o -name target \) -prune -o \( -name '*.java' -o -name 'pom.xml' -o -path '*/src/main/resources/*' \) -newer "$JAR" -print -quit 2>/dev/null)" ]
}

# JVM options for the short commands of the CLI (not demo/server/host/storage, which run long and want C2 and G1):
# The standalone storage service (`./vmrole storage`): small requests whose garbage dies young, on a few cores. The
# serial collector with a 24 MiB young generation touches a small heap over and over; G1 on two cores spread each
# young collection over a young generation of up to a third of the heap and kept it resident: peak RSS 300 MiB against
# 175 under the same single-insert load, with no CPU to show for it (BENCHMARKS.md, storage, fifth pass). The
# storage benchmarks start the server with these options too.
STORAGE_JAVA_OPTS=(-XX:+UseSerialGC -Xmn24m)

# C1 only, a small serial heap, and the JDK's AOT cache (JEP 483/514, JDK 25+) of the classes a command loads.
# The cache is made by one training run in the background the first time after a build; until it exists, and on
# JDKs without AOT caches, the command simply starts without it.
AOT="$ROOT/vmrole-server/target/vmrole.aot"
CLI_JAVA_OPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -XX:-UsePerfData)

cli_java_opts() {
  [ "$(java_major "$JAVA_HOME")" -ge 25 ] 2>/dev/null || return 0
  if [ -f "$AOT" ] && [ "$AOT" -nt "$JAR" ]; then
    CLI_JAVA_OPTS+=(-XX:AOTCache="$AOT" -Xlog:aot=off -Xlog:cds=off)
    return 0
  fi
  # one training at a time; the lock of a training killed half-way is forgotten after ten minutes
  find "$AOT.lock" -maxdepth 0 -mmin +10 -exec rmdir {} \; 2>/dev/null || true
  mkdir "$AOT.lock" 2>/dev/null || return 0
  # training: a few commands against a canned API of its own (the hidden 'aot-training' command)
  (trap 'rmdir "$AOT.lock"' EXIT
   "$JAVA_HOME/bin/java" "${CLI_JAVA_OPTS[@]}" -XX:AOTCacheOutput="$AOT.tmp" -Xlog:aot=off -Xlog:cds=off -jar "$JAR" aot-training >/dev/null 2>&1 || true
   [ -s "$AOT.tmp" ] && mv -f "$AOT.tmp" "$AOT") </dev/null >/dev/null 2>&1 &
}

build_jar() {
  if jar_is_stale; then
    say "building vmrole (first use or sources changed; takes a minute)..."
    # tests compiled, not run: some modules' tests depend on others' test-jars (vmrole-fabric's store contract,
    # vmrole-etcd's harness), and Maven cannot resolve a test-jar that -Dmaven.test.skip=true left unbuilt
    (cd "$ROOT" && mvn -B -q -DskipTests package -pl vmrole-server -am) >&2 \
      || { say "build failed; run 'mvn -DskipTests package' in $ROOT to see why"; exit 3; }
  fi
}

# Benchmarks: compiles vmrole-bench with the reactor, prints the load, and runs MAIN_CLASS with the remaining
# arguments on the benchmark class path. JVM options come from BENCH_JAVA_OPTS.
run_bench() {
  local main=$1; shift
  need_jdk
  cd "$ROOT"
  # package, not compile: vmrole-etcd's tests use vmrole-fabric's test-jar, which only 'package' makes in the reactor
  mvn -B -q -pl vmrole-bench -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
  uptime
  # shellcheck disable=SC2086
  exec java ${BENCH_JAVA_OPTS:-} -Dlogback.configurationFile=org/vmrole/bench/lb/logback.xml \
    -cp "vmrole-bench/target/classes:$(cat vmrole-bench/target/bench.classpath)" "$main" "$@"
}
