package org.vmrole.fabric.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmrole.fabric.model.Host;
import org.vmrole.fabric.model.HostStatus;
import org.vmrole.model.host.HostCapacity;

class StartupGraceTest {
    private static final StartupGrace GRACE = new StartupGrace(10_000, Duration.ofSeconds(30));

    private static Host host(String name, HostStatus status, long heard) {
        return new Host(name, new HostCapacity(2, 4096, 100), 0, status, heard);
    }

    @Test
    void a_host_not_heard_since_the_controller_started_counts_as_heard_while_the_grace_lasts() {
        Map<String, Host> judged = GRACE.judge(Map.of("a", host("a", HostStatus.Up, 9_000)), 25_000);
        assertThat(judged.get("a").lastHeartbeatMillis()).isEqualTo(25_000);
    }

    @Test
    void a_host_heard_since_then_is_judged_by_its_own_heartbeats() {
        Map<String, Host> judged = GRACE.judge(Map.of("a", host("a", HostStatus.Up, 12_000)), 25_000);
        assertThat(judged.get("a").lastHeartbeatMillis()).isEqualTo(12_000);
    }

    @Test
    void a_host_already_down_stays_down_and_the_grace_ends() {
        assertThat(GRACE.judge(Map.of("a", host("a", HostStatus.Down, 9_000)), 25_000).get("a").lastHeartbeatMillis()).isEqualTo(9_000);
        assertThat(GRACE.judge(Map.of("a", host("a", HostStatus.Up, 9_000)), 40_000).get("a").lastHeartbeatMillis()).isEqualTo(9_000);
    }
}
