#!/usr/bin/env bash
# Leader failover with real processes: 3 etcd members, 2 server replicas, kill -9 of the leader.
# Usage: scripts/leader-failover.sh [WORKDIR]  (build first: mvn -o -pl vmrole-server -am install -DskipTests)
# Ports: etcd on 127.0.0.1:23791-23793 (peers 23801-23803), replicas on 18091 and 18092. Prints the kill time and the
# surviving replica's election and first reconcile pass (log times, UTC); everything it started is stopped at the end.
set -u
D=${1:-/tmp/vmrole-failover}; rm -rf $D; mkdir -p $D
JAVA=$(ls -d /usr/lib/jvm/*25* | head -1)/bin/java
JAR=$(cd "$(dirname "$0")/.." && pwd)/vmrole-server/target/vmrole.jar
CL="m0=http://127.0.0.1:23801,m1=http://127.0.0.1:23802,m2=http://127.0.0.1:23803"
for i in 0 1 2; do
  /usr/bin/etcd --name m$i --data-dir $D/m$i --listen-client-urls http://127.0.0.1:2379$((i+1)) --advertise-client-urls http://127.0.0.1:2379$((i+1)) \
    --listen-peer-urls http://127.0.0.1:2380$((i+1)) --initial-advertise-peer-urls http://127.0.0.1:2380$((i+1)) --initial-cluster $CL \
    --initial-cluster-state new --heartbeat-interval 100 --election-timeout 1000 --max-txn-ops 10000 > $D/etcd$i.log 2>&1 &
  echo $! > $D/etcd$i.pid
done
sleep 3
STORE=etcd://127.0.0.1:23791,127.0.0.1:23792,127.0.0.1:23793
KEY=vmr_failoverMeasurementAdministratorKey0123456789
$JAVA --enable-native-access=ALL-UNNAMED -jar $JAR server --data $D/a --port 18091 --hosts 0 --no-storage --store $STORE --admin-key $KEY > $D/a.log 2>&1 &
echo $! > $D/a.pid
for i in $(seq 1 300); do grep -q "first reconcile pass as leader" $D/a.log && break; sleep 0.1; done
$JAVA --enable-native-access=ALL-UNNAMED -jar $JAR server --data $D/b --port 18092 --hosts 0 --no-storage --store $STORE --admin-key $KEY > $D/b.log 2>&1 &
echo $! > $D/b.pid
for i in $(seq 1 300); do grep -q "vmrole API listening" $D/b.log && break; sleep 0.1; done
sleep 2
curl -s -H "Authorization: Bearer $KEY" http://127.0.0.1:18092/controller/status; echo
KILLED=$(date -u +%H:%M:%S.%3N)
kill -9 $(cat $D/a.pid)
for i in $(seq 1 200); do grep -q "first reconcile pass as leader" $D/b.log && break; sleep 0.05; done
grep "leads the controller\|first reconcile pass" $D/b.log
echo "leader killed (kill -9) at $KILLED"
curl -s -H "Authorization: Bearer $KEY" http://127.0.0.1:18092/controller/status; echo
kill $(cat $D/b.pid); sleep 1
for i in 0 1 2; do kill $(cat $D/etcd$i.pid); done
wait 2>/dev/null
