package org.vmrole.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.vmrole.fabric.controller.FabricController;
import org.vmrole.fabric.controller.HostRegistration;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.fabric.reconcile.HealingPolicy;
import org.vmrole.fabric.store.Store;
import org.vmrole.fabric.store.StoreUnavailable;
import org.vmrole.fabric.store.Write;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.HostCapacity;

/** A reconcile pass larger than one etcd transaction, on a member with etcd's own limit of 128 operations per transaction. */
class SplitCommitOnEtcdTest {
    private static final String ROOT = "/split/";

    private static void putLeader(Client client, String term) throws Exception {
        client.getKVClient().put(ByteSequence.from(ROOT + "leader", StandardCharsets.UTF_8), ByteSequence.from(term, StandardCharsets.UTF_8))
                .get(5, TimeUnit.SECONDS);
    }

    @Test
    void a_leader_places_a_thousand_instances_in_one_pass_in_fenced_transactions_and_a_deposed_one_writes_none() throws Exception {
        try (EtcdCluster etcd = EtcdCluster.startAsShipped(1); Client client = etcd.address().connect();
             EtcdStore store = EtcdStore.over(client, ROOT, EtcdStore.DEFAULT_TIMEOUT, 100_000)) {
            // the member refuses a transaction of 200 writes, as an untuned etcd does
            List<Write> tooMany = IntStream.range(0, 200).mapToObj(i -> Write.put("probe/" + i, "x", Store.ANY)).toList();
            assertThatThrownBy(() -> store.commit(tooMany)).hasMessageContaining("--max-txn-ops");

            InstantSource clock = InstantSource.fixed(Instant.parse("2026-12-04T21:00:00Z"));
            putLeader(client, "term-1");
            FabricController leader = new FabricController(store.fencedBy(new EtcdStore.Fence(ROOT + "leader", "term-1")), clock, HealingPolicy.DEFAULT);
            for (int i = 0; i < 2; i++) {
                leader.registerHost(leader.issueJoinToken("host-" + i), new HostRegistration("host-" + i, new HostCapacity(1_000, 2_000_000, 200_000), i));
            }
            leader.createDeployment(new Deployment("d1", "contoso", "production", 5,
                    List.of(new RoleSpec("WebVM", VmSize.Small, 1_000, "sha256:0123", Map.of(), List.of(), List.of())), false));

            leader.reconcileOnce();
            assertThat(store.list("instances/")).as("instances placed by one pass of 1,000 (etcd takes 128 operations a transaction)")
                    .hasSize(1_000).allSatisfy(r -> assertThat(r.value()).contains("host-"));

            // another replica takes a scale while a new term begins: the old leader's next pass is refused from its first transaction
            new FabricController(store, clock, HealingPolicy.DEFAULT).scale("d1", "WebVM", 1_300);
            putLeader(client, "term-2");
            assertThatThrownBy(leader::reconcileOnce).isInstanceOf(StoreUnavailable.class).hasMessageContaining("no longer holds the lease");
            assertThat(store.list("instances/")).hasSize(1_000);
        }
    }
}
