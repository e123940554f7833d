package org.vmrole.fabric.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmrole.model.InstanceName;
import org.vmrole.model.RoleState;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.HealthCause;
import org.vmrole.model.host.ObservedInstance;
import org.vmrole.model.host.PrivateNetwork;

class RotationHoldTest {
    private static final String KEY = "0123456789abcdef0123456789abcdef";

    private static Assignment web(int index, long incarnation) {
        return new Assignment("d1", new InstanceName("WebVM", index), incarnation, 0, VmSize.Small, "sha256:0123", 0, 0, Map.of(), List.of(),
                List.of(), new PrivateNetwork("10.128.0." + (10 + index), 9, "52:54:0a:80:00:0" + index, List.of(), List.of(), KEY));
    }

    private static Map<String, ObservedInstance> serving(Assignment... running) {
        Map<String, ObservedInstance> out = new java.util.HashMap<>();
        for (Assignment a : running) {
            out.put(a.key(), new ObservedInstance(a.key(), a.incarnation(), 0, RoleState.ReadyRole, HealthCause.AGENT_READY, "", 0));
        }
        return out;
    }

    @Test
    void keeps_a_serving_vm_the_balancer_still_serves_and_takes_it_off_the_private_network_when_it_left_the_host() {
        List<Assignment> sent = List.of(web(0, 1), web(1, 1));
        List<Assignment> wanted = List.of(web(0, 2));   // WebVM_IN_0 reimaged, WebVM_IN_1 moved away

        List<Assignment> held = RotationHold.toSend("h1", "10.0.0.2", wanted, sent, serving(web(0, 1), web(1, 1)), (host, address, a) -> true);

        assertThat(held).containsExactly(web(0, 1), web(1, 1).withLiveChange(Map.of(), web(1, 1).network().withDetached(true)));
    }

    @Test
    void lets_the_change_through_once_the_balancer_let_go_or_when_the_vm_was_not_serving() {
        List<Assignment> sent = List.of(web(0, 1), web(1, 1));
        List<Assignment> wanted = List.of(web(0, 2));

        assertThat(RotationHold.toSend("h1", "10.0.0.2", wanted, sent, serving(web(0, 1), web(1, 1)), (host, address, a) -> false)).containsExactly(web(0, 2));
        assertThat(RotationHold.toSend("h1", "10.0.0.2", wanted, sent, Map.of(), (host, address, a) -> true)).as("nothing observed serving").containsExactly(web(0, 2));
        assertThat(RotationHold.toSend("h1", "10.0.0.2", wanted, List.of(), serving(web(0, 1)), (host, address, a) -> true))
                .as("nothing sent before (a restarted controller)").containsExactly(web(0, 2));
    }
}
