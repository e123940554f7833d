package org.vmrole.fabric.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.fabric.reconcile.HealingPolicy;
import org.vmrole.fabric.reconcile.InstanceView;
import org.vmrole.fabric.store.InMemoryStore;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.HostCapacity;

class ReconcileLoopTest {
    @Test
    void places_a_new_deployment_without_being_asked() {
        // no host beats in this test: give it all the time a slow machine could need
        HealingPolicy patient = new HealingPolicy(Duration.ofHours(1), Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofMinutes(5), 3, Duration.ofMinutes(1));
        FabricController controller = new FabricController(new InMemoryStore(), InstantSource.system(), patient);
        String token = controller.issueJoinToken("h1");
        controller.registerHost(token, new HostRegistration("h1", new HostCapacity(4, 16384, 2000), 0));
        controller.createDeployment(new Deployment("d1", "svc", "production", 5,
                List.of(new RoleSpec("Web", VmSize.Small, 2, "sha256:00", Map.of(), List.of(), List.of())), false));
        try (ReconcileLoop loop = new ReconcileLoop(controller, Duration.ofMillis(20))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> controller.listInstances("d1").size() == 2);
        }
        assertThat(controller.listInstances("d1")).extracting(InstanceView::host).containsOnly("h1");
    }
}
