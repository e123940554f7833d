package org.vmrole.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmrole.fabric.store.Store;
import org.vmrole.fabric.store.StoreFailure;

/** Leader election on a real etcd: one leader at a time, a dead leader's successor within the lease, a deposed leader fenced. */
class EtcdLeadershipTest {
    private static final Duration TTL = Duration.ofSeconds(2);
    private static EtcdCluster etcd;
    private static Client client;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdCluster.start(1);
        client = etcd.client();
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) etcd.close();
    }

    /** Records what a replica was told. */
    private static final class Events implements EtcdLeadership.Listener {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void elected(EtcdLeadership.Term term) {
            seen.add("elected " + Long.toHexString(term.lease()));
        }

        @Override
        public void deposed(EtcdLeadership.Term term) {
            seen.add("deposed " + Long.toHexString(term.lease()));
        }
    }

    @Test
    void elects_exactly_one_replica_and_hands_over_at_once_when_it_shuts_down() {
        String root = "/election-1/";
        Events a = new Events();
        Events b = new Events();
        try (EtcdLeadership first = EtcdLeadership.start(client, root, "10.0.0.1:8080", TTL, a)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> first.leading().isPresent());
            try (EtcdLeadership second = EtcdLeadership.start(client, root, "10.0.0.2:8080", TTL, b)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> EtcdLeadership.replicas(client, root).size() == 2);
                assertThat(second.leading()).isEmpty();
                assertThat(EtcdLeadership.leader(client, root).orElseThrow().address()).isEqualTo("10.0.0.1:8080");
                first.close();
                assertThat(a.seen).hasSize(2).last().asString().startsWith("deposed");
                await().atMost(Duration.ofSeconds(5)).until(() -> second.leading().isPresent());
                assertThat(EtcdLeadership.leader(client, root).orElseThrow().address()).isEqualTo("10.0.0.2:8080");
            }
        }
    }

    @Test
    void a_killed_leaders_successor_leads_within_the_lease_and_the_old_term_can_no_longer_write() {
        String root = "/election-2/";
        try (EtcdStore store = EtcdStore.over(client, root, EtcdStore.DEFAULT_TIMEOUT, 0);
             EtcdLeadership first = EtcdLeadership.start(client, root, "10.0.0.1:8080", TTL, new Events());
             EtcdLeadership second = EtcdLeadership.start(client, root, "10.0.0.2:8080", TTL, new Events())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> first.leading().isPresent() || second.leading().isPresent());
            EtcdLeadership leader = first.leading().isPresent() ? first : second;
            EtcdLeadership follower = leader == first ? second : first;
            EtcdStore fenced = store.fencedBy(leader.fence().orElseThrow());
            fenced.put("instances/WebVM_IN_0", "on host-a", Store.ABSENT);

            long killed = System.nanoTime();
            leader.abandon();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> follower.leading().isPresent());
            Duration failover = Duration.ofNanos(System.nanoTime() - killed);
            System.out.printf("leader failover on etcd (lease %d s): %d ms%n", TTL.toSeconds(), failover.toMillis());
            assertThat(failover).isLessThan(TTL.multipliedBy(3));

            assertThatThrownBy(() -> fenced.put("instances/WebVM_IN_0", "on host-b", Store.ANY))
                    .isInstanceOf(StoreFailure.class).hasMessageContaining("no longer holds the lease");
            store.fencedBy(follower.fence().orElseThrow()).put("instances/WebVM_IN_0", "on host-c", Store.ANY);
            assertThat(store.get("instances/WebVM_IN_0").orElseThrow().value()).isEqualTo("on host-c");
        }
    }

    @Test
    void a_leader_that_etcd_stops_answering_steps_down_before_its_lease_can_expire_and_leads_again_once_it_answers() {
        try (EtcdCluster silent = EtcdCluster.start(1)) {
            Events events = new Events();
            try (EtcdLeadership only = EtcdLeadership.start(silent.client(), "/election-3/", "10.0.0.1:8080", TTL, events)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> only.leading().isPresent());
                long frozen = System.nanoTime();
                silent.freeze();
                try {
                    await().atMost(TTL.multipliedBy(5)).pollInterval(Duration.ofMillis(10)).until(() -> only.leading().isEmpty());
                    Duration ledOn = Duration.ofNanos(System.nanoTime() - frozen);
                    System.out.printf("leader stepped down %d ms after etcd stopped answering (lease %d s)%n", ledOn.toMillis(), TTL.toSeconds());
                    // its last renewal was before the freeze, so etcd may let the lease expire TTL after it and elect another
                    assertThat(ledOn).as("how long it led on with etcd silent").isLessThan(TTL);
                    assertThat(events.seen).last().asString().startsWith("deposed");
                } finally {
                    silent.thaw();
                }
                // once etcd answers again, the key of the term it gave up goes, and a replica (here the same) is elected
                await().atMost(TTL.multipliedBy(10)).pollInterval(Duration.ofMillis(50)).until(() -> only.leading().isPresent());
                assertThat(EtcdLeadership.leader(silent.client(), "/election-3/").orElseThrow().lease()).isEqualTo(only.leading().orElseThrow().lease());
            }
        }
    }
}
