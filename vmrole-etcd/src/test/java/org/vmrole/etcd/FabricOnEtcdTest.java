package org.vmrole.etcd;

import io.etcd.jetcd.Client;
import org.junit.jupiter.api.Test;
import org.vmrole.fabric.controller.FabricSimulation;

/**
 * The fabric's seeded failure schedules (crashes, partitions, power cycles, revoked hosts, and controller restarts: a
 * new leader loading the desired state) with the store on a real etcd; fewer seeds than on memory, each in its own root.
 */
class FabricOnEtcdTest {
    private static final int SEEDS = Integer.getInteger("vmrole.etcd.simulation.seeds", 3);

    @Test
    void keeps_the_fabric_invariants_through_seeded_failure_schedules_on_etcd() {
        try (EtcdCluster etcd = EtcdCluster.start(1); Client client = etcd.address().connect()) {
            for (long seed = 1; seed <= SEEDS; seed++) {
                long started = System.nanoTime();
                try (EtcdStore store = EtcdStore.over(client, "/simulation-" + seed + "/", EtcdStore.DEFAULT_TIMEOUT, 100_000)) {
                    new FabricSimulation(seed, store).run();
                }
                System.out.printf("seed %d passed on etcd in %d ms%n", seed, (System.nanoTime() - started) / 1_000_000);
            }
        }
    }
}
