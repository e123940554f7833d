package org.vmrole.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmrole.host.HostAction.Kind.REBOOT;
import static org.vmrole.host.HostAction.Kind.REIMAGE;
import static org.vmrole.host.HostAction.Kind.START;
import static org.vmrole.host.HostAction.Kind.STOP;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.NetworkPeer;
import org.vmrole.model.host.PeerHost;
import org.vmrole.model.host.PrivateNetwork;

class HostPlanTest {
    private final Assignment web0 = Assignments.of("Web", 0, 1, 0);

    @Test
    void starts_an_assigned_instance_that_is_missing() {
        assertThat(HostPlan.plan(List.of(web0), Map.of(), Map.of())).containsExactly(new HostAction(START, web0.key()));
    }

    @Test
    void does_nothing_when_reality_matches() {
        assertThat(HostPlan.plan(List.of(web0), Map.of(web0.key(), web0), Map.of())).isEmpty();
    }

    @Test
    void reimages_when_the_incarnation_grew() {
        Assignment next = Assignments.of("Web", 0, 2, 0);
        assertThat(HostPlan.plan(List.of(next), Map.of(web0.key(), web0), Map.of())).containsExactly(new HostAction(REIMAGE, web0.key()));
    }

    @Test
    void changes_settings_in_place_when_only_their_values_differ_for_the_same_incarnation() {
        Assignment changed = new Assignment(web0.deploymentId(), web0.instance(), web0.incarnation(), web0.rebootGeneration(), web0.size(),
                web0.imageDigest(), web0.updateDomain(), web0.faultDomain(), Map.of("Greeting", "hello"), web0.endpoints(), web0.localDisks());
        assertThat(HostPlan.plan(List.of(changed), Map.of(web0.key(), web0), Map.of())).containsExactly(new HostAction(HostAction.Kind.CHANGE_SETTINGS, web0.key()));
        assertThat(HostPlan.plan(List.of(changed), Map.of(web0.key(), changed), Map.of())).isEmpty();
    }

    @Test
    void delivers_a_new_private_network_topology_in_place_but_not_a_change_of_tunnels_alone() {
        String key = "k".repeat(64);
        NetworkPeer self = new NetworkPeer("Web", "Web_IN_0", "10.128.0.10", List.of());
        NetworkPeer other = new NetworkPeer("Web", "Web_IN_1", "10.128.0.11", List.of());
        Assignment two = web0.withLiveChange(web0.settings(), new PrivateNetwork("10.128.0.10", 9, "52:54:0a:80:00:0a", List.of(self, other),
                List.of(new PeerHost("h2", "127.0.0.1:7000")), key));
        Assignment moved = web0.withLiveChange(web0.settings(), new PrivateNetwork("10.128.0.10", 9, "52:54:0a:80:00:0a", List.of(self, other),
                List.of(new PeerHost("h3", "127.0.0.1:7001")), key));
        Assignment one = web0.withLiveChange(web0.settings(), new PrivateNetwork("10.128.0.10", 9, "52:54:0a:80:00:0a", List.of(self),
                List.of(), key));

        assertThat(HostPlan.plan(List.of(one), Map.of(web0.key(), two), Map.of())).containsExactly(new HostAction(HostAction.Kind.CHANGE_SETTINGS, web0.key()));
        assertThat(HostPlan.plan(List.of(moved), Map.of(web0.key(), two), Map.of())).as("the host's tunnels follow; the guest sees nothing new").isEmpty();
    }

    @Test
    void reboots_when_the_reboot_generation_grew() {
        Assignment next = Assignments.of("Web", 0, 1, 1);
        assertThat(HostPlan.plan(List.of(next), Map.of(web0.key(), web0), Map.of())).containsExactly(new HostAction(REBOOT, web0.key()));
    }

    @Test
    void stops_what_is_not_assigned() {
        assertThat(HostPlan.plan(List.of(), Map.of(web0.key(), web0), Map.of())).containsExactly(new HostAction(STOP, web0.key()));
    }

    @Test
    void retries_a_failed_start_only_for_a_newer_incarnation() {
        assertThat(HostPlan.plan(List.of(web0), Map.of(), Map.of(web0.key(), 1L))).isEmpty();
        Assignment next = Assignments.of("Web", 0, 2, 0);
        assertThat(HostPlan.plan(List.of(next), Map.of(), Map.of(web0.key(), 1L))).containsExactly(new HostAction(START, web0.key()));
    }

    @Test
    void refuses_an_instance_assigned_twice() {
        assertThatThrownBy(() -> HostPlan.plan(List.of(web0, web0), Map.of(), Map.of()))
                .hasMessageContaining("d-test/Web_IN_0 appears twice");
    }
}
