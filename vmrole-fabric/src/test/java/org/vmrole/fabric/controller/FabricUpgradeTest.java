package org.vmrole.fabric.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.OperationStatus;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.fabric.model.UpgradeMode;
import org.vmrole.fabric.model.UpgradeState;
import org.vmrole.fabric.reconcile.HealingPolicy;
import org.vmrole.fabric.reconcile.InstanceView;
import org.vmrole.fabric.store.SqliteStore;
import org.vmrole.fabric.store.Store;
import org.vmrole.host.sim.SimulatedClock;
import org.vmrole.host.sim.SimulatedDriver;
import org.vmrole.model.RoleState;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.HostCapacity;

/** Rolling upgrades through the controller, the real host agent over the simulated driver, and a SQLite store. */
class FabricUpgradeTest {
    private final SimulatedClock clock = new SimulatedClock();
    private final List<SimulatedHost> hosts = new ArrayList<>();
    @TempDir
    Path dir;
    private Store store;
    private FabricController controller;

    private void open() {
        store = SqliteStore.open(dir.resolve("fabric.db"));
        controller = new FabricController(store, clock, HealingPolicy.DEFAULT);
    }

    private static List<RoleSpec> roles(String image, int count) {
        return List.of(new RoleSpec("WebVM", VmSize.Small, count, image, Map.of("Greeting", "hi"), List.of(), List.of()));
    }

    private void tick() {
        SimulatedHost.tick(clock, hosts, controller);
    }

    private void ticks(int n) {
        for (int i = 0; i < n; i++) tick();
    }

    /** What the hosts' drivers run, by instance: the image digest of each VM. */
    private Map<String, String> runningImages() {
        Map<String, String> out = new java.util.TreeMap<>();
        for (SimulatedHost h : hosts) {
            for (var o : h.observe()) h.driver().assignment(o.key()).map(Assignment::imageDigest).ifPresent(img -> out.put(o.key(), img));
        }
        return out;
    }

    private void threeReadyInstances() {
        open();
        for (int i = 0; i < 3; i++) {
            SimulatedHost h = new SimulatedHost("h" + i, i, new HostCapacity(4, 16384, 2000), clock, SimulatedDriver.Timings.instant());
            h.join(controller);
            hosts.add(h);
        }
        controller.createDeployment(new Deployment("d1", "contoso", "production", 3, roles("sha256:old", 3), false));
        ticks(3);
    }

    @Test
    void an_upgrade_survives_a_controller_restart_and_ends_with_every_vm_on_the_new_image() {
        threeReadyInstances();
        var op = controller.upgrade("d1", roles("sha256:new", 3), UpgradeMode.Auto);
        tick();
        assertThat(controller.getDeployment("d1").orElseThrow().upgrade().currentDomain()).isEqualTo(0);
        store.close();

        open();
        for (SimulatedHost h : hosts) h.rejoinWith(h.token());
        ticks(8);
        Deployment d = controller.getDeployment("d1").orElseThrow();
        assertThat(d.upgrade()).isNull();
        assertThat(d.version()).isEqualTo(2);
        assertThat(controller.getOperation(op.id()).orElseThrow().status()).isEqualTo(OperationStatus.Succeeded);
        assertThat(runningImages()).containsOnly(Map.entry("d1/WebVM_IN_0", "sha256:new"), Map.entry("d1/WebVM_IN_1", "sha256:new"), Map.entry("d1/WebVM_IN_2", "sha256:new"));
        assertThat(controller.listInstances("d1")).extracting(InstanceView::state).containsOnly(RoleState.ReadyRole);
        assertThat(controller.listInstances("d1")).extracting(InstanceView::incarnation).containsOnly(2L);
        store.close();
    }

    @Test
    void a_failing_new_image_stops_the_walk_and_a_rollback_restores_the_old_one() {
        threeReadyInstances();
        for (SimulatedHost h : hosts) h.driver().failStartsWhen(a -> a.imageDigest().equals("sha256:bad"));
        var op = controller.upgrade("d1", roles("sha256:bad", 3), UpgradeMode.Auto);
        ticks(4);
        var failed = controller.getOperation(op.id()).orElseThrow();
        assertThat(failed.status()).isEqualTo(OperationStatus.Failed);
        assertThat(failed.error()).contains("update domain 0").contains("WebVM_IN_0");
        assertThat(controller.getDeployment("d1").orElseThrow().upgrade().state()).isEqualTo(UpgradeState.Failed);
        assertThat(runningImages()).containsEntry("d1/WebVM_IN_1", "sha256:old").containsEntry("d1/WebVM_IN_2", "sha256:old");

        var back = controller.rollback("d1");
        ticks(4);
        assertThat(controller.getOperation(back.id()).orElseThrow().status()).isEqualTo(OperationStatus.Succeeded);
        assertThat(controller.getDeployment("d1").orElseThrow().upgrade()).isNull();
        assertThat(runningImages()).containsOnly(Map.entry("d1/WebVM_IN_0", "sha256:old"), Map.entry("d1/WebVM_IN_1", "sha256:old"), Map.entry("d1/WebVM_IN_2", "sha256:old"));
        store.close();
    }

    @Test
    void new_setting_values_alone_reach_the_running_vms_without_a_reimage() {
        threeReadyInstances();
        var op = controller.upgrade("d1", List.of(new RoleSpec("WebVM", VmSize.Small, 3, "sha256:old", Map.of("Greeting", "hello"), List.of(), List.of())), UpgradeMode.Auto);
        ticks(8);
        assertThat(controller.getOperation(op.id()).orElseThrow().status()).isEqualTo(OperationStatus.Succeeded);
        assertThat(controller.listInstances("d1")).extracting(InstanceView::incarnation).containsOnly(1L);
        for (SimulatedHost h : hosts) {
            for (var o : h.observe()) assertThat(h.driver().assignment(o.key()).orElseThrow().settings()).containsEntry("Greeting", "hello");
        }
        store.close();
    }

    @Test
    void refuses_an_upgrade_that_renames_roles_or_changes_counts_and_a_walk_out_of_order() {
        threeReadyInstances();
        assertThatThrownBy(() -> controller.upgrade("d1", List.of(new RoleSpec("Other", VmSize.Small, 3, "sha256:new", Map.of(), List.of(), List.of())), UpgradeMode.Auto))
                .hasMessageContaining("roles [Other]").hasMessageContaining("runs [WebVM]");
        assertThatThrownBy(() -> controller.upgrade("d1", roles("sha256:new", 4), UpgradeMode.Auto)).hasMessageContaining("keeps instance counts");
        controller.upgrade("d1", roles("sha256:new", 3), UpgradeMode.Manual);
        assertThatThrownBy(() -> controller.walk("d1", 1)).hasMessageContaining("next is 0");
        assertThatThrownBy(() -> controller.upgrade("d1", roles("sha256:new", 3), UpgradeMode.Auto)).isInstanceOf(RequestConflict.class);
        assertThatThrownBy(() -> controller.scale("d1", "WebVM", 5)).isInstanceOf(RequestConflict.class).hasMessageContaining("upgrade");
        store.close();
    }
}
