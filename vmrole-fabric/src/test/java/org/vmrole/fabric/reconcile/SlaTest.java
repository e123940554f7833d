package org.vmrole.fabric.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmrole.model.RoleState;

class SlaTest {
    private static InstanceView instance(String name, RoleState state, int faultDomain) {
        return new InstanceView("d1", name, state, "h" + faultDomain, faultDomain, 0, 1, "", null, null, "", "", java.util.List.of());
    }

    @Test
    void is_kept_by_two_ready_instances_in_two_fault_domains() {
        Sla sla = Sla.of(List.of(instance("Web_IN_0", RoleState.ReadyRole, 0), instance("Web_IN_1", RoleState.ReadyRole, 1)));
        assertThat(sla).isEqualTo(new Sla(true, "2 ready instances in 2 fault domains"));
    }

    @Test
    void is_at_risk_while_every_instance_is_in_one_fault_domain() {
        Sla sla = Sla.of(List.of(instance("Web_IN_0", RoleState.ReadyRole, 0), instance("Web_IN_1", RoleState.ReadyRole, 0)));
        assertThat(sla).isEqualTo(new Sla(false, "all instances in fault domain 0"));
    }

    @Test
    void is_at_risk_with_fewer_than_two_ready_instances_or_a_single_instance() {
        assertThat(Sla.of(List.of(instance("Web_IN_0", RoleState.ReadyRole, 0), instance("Web_IN_1", RoleState.CreatingVM, 1))).reason())
                .isEqualTo("1 of 2 instances ready");
        assertThat(Sla.of(List.of(instance("Web_IN_0", RoleState.ReadyRole, 0))).reason()).isEqualTo("one instance: no redundancy");
    }

    @Test
    void names_the_role_at_risk_when_a_deployment_has_several() {
        Sla sla = Sla.of(List.of(instance("Web_IN_0", RoleState.ReadyRole, 0), instance("Web_IN_1", RoleState.ReadyRole, 1),
                instance("Worker_IN_0", RoleState.ReadyRole, 1), instance("Worker_IN_1", RoleState.ReadyRole, 1)));
        assertThat(sla).isEqualTo(new Sla(false, "role Worker: all instances in fault domain 1"));
    }
}
