package org.vmrole.fabric.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.fabric.reconcile.HealingPolicy;
import org.vmrole.fabric.reconcile.InstanceView;
import org.vmrole.fabric.store.SqliteStore;
import org.vmrole.host.sim.SimulatedClock;
import org.vmrole.host.sim.SimulatedDriver;
import org.vmrole.model.RoleState;
import org.vmrole.model.host.HostCapacity;
import org.vmrole.model.host.ObservedInstance;

class ControllerKillTest {
    @TempDir
    Path dir;

    @Test
    void converges_without_duplicates_or_losses_after_the_controller_is_killed_mid_deployment() throws Exception {
        Path db = dir.resolve("fabric.db");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), ControllerProcess.class.getName(), db.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Map<String, String> tokens = new HashMap<>();
        List<String> acknowledged = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (acknowledged.size() < 12 && (line = out.readLine()) != null) {
                String[] words = line.split(" ");
                if (words[0].equals("token")) tokens.put(words[1], words[2]);
                if (words[0].equals("ack")) acknowledged.add(words[1]);
            }
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(acknowledged).hasSize(12);

        SimulatedClock clock = new SimulatedClock();
        try (SqliteStore store = SqliteStore.open(db)) {
            FabricController controller = new FabricController(store, clock, HealingPolicy.DEFAULT);
            for (String id : acknowledged) {
                assertThat(controller.listInstances(id)).as("instances of acknowledged %s", id).hasSize(2)
                        .allSatisfy(v -> assertThat(v.host()).isNotNull());
            }
            List<SimulatedHost> hosts = new ArrayList<>();
            for (String name : List.of("h0", "h1")) {
                SimulatedHost h = new SimulatedHost(name, name.equals("h0") ? 0 : 1, new HostCapacity(64, 262144, 100000), clock, SimulatedDriver.Timings.instant());
                h.rejoinWith(tokens.get(name));
                hosts.add(h);
            }
            for (int i = 0; i < 4; i++) {
                clock.advance(Duration.ofSeconds(1));
                for (SimulatedHost h : hosts) h.beat(controller);
                controller.reconcileOnce();
            }
            Set<String> running = new HashSet<>();
            int vms = 0;
            for (SimulatedHost h : hosts) {
                for (ObservedInstance o : h.observe()) {
                    running.add(o.key());
                    vms++;
                }
            }
            assertThat(vms).as("no instance runs twice").isEqualTo(running.size());
            int wanted = 0;
            for (var d : controller.listDeployments()) {
                for (InstanceView v : controller.listInstances(d.id())) {
                    assertThat(v.state()).isEqualTo(RoleState.ReadyRole);
                    assertThat(v.incarnation()).isEqualTo(1);
                    assertThat(running).contains(d.id() + "/" + v.instance());
                    wanted++;
                }
            }
            assertThat(vms).isEqualTo(wanted);
            assertThat(controller.listDeployments().size()).isGreaterThanOrEqualTo(acknowledged.size());
        }
    }
}
