package org.vmrole.host;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.vmrole.model.RoleState;
import org.vmrole.model.host.HealthCause;
import org.vmrole.model.host.ObservedInstance;

class HealthTransitionsTest {
    private final ObservedInstance created = HealthTransitions.creating("d/Web_IN_0", 1, 0, 1000);

    private ObservedInstance after(ObservedInstance from, VmSignal... signals) {
        ObservedInstance o = from;
        long t = 2000;
        for (VmSignal s : signals) o = HealthTransitions.next(o, s, "", t += 1000);
        return o;
    }

    @Test
    void a_booting_vm_goes_through_starting_states_to_ready() {
        ObservedInstance o = after(created, VmSignal.LAUNCHED);
        assertThat(o.state()).isEqualTo(RoleState.StartingVM);
        o = after(o, VmSignal.AGENT_HELLO);
        assertThat(o.state()).isEqualTo(RoleState.StartingRole);
        o = after(o, VmSignal.AGENT_READY);
        assertThat(o.state()).isEqualTo(RoleState.ReadyRole);
        assertThat(o.cause()).isEqualTo(HealthCause.AGENT_READY);
    }

    @Test
    void a_panic_keeps_its_cause_when_the_process_exits_afterwards() {
        ObservedInstance o = after(created, VmSignal.LAUNCHED, VmSignal.AGENT_READY, VmSignal.GUEST_PANICKED, VmSignal.PROCESS_EXITED);
        assertThat(o.state()).isEqualTo(RoleState.StoppedVM);
        assertThat(o.cause()).isEqualTo(HealthCause.GUEST_PANICKED);
    }

    @Test
    void an_unexpected_exit_is_reported_as_process_exited() {
        ObservedInstance o = after(created, VmSignal.LAUNCHED, VmSignal.AGENT_READY, VmSignal.PROCESS_EXITED);
        assertThat(o.state()).isEqualTo(RoleState.StoppedVM);
        assertThat(o.cause()).isEqualTo(HealthCause.PROCESS_EXITED);
    }

    @Test
    void an_exit_after_a_requested_stop_is_reported_as_stopped_by_request() {
        ObservedInstance o = after(created, VmSignal.LAUNCHED, VmSignal.STOP_REQUESTED, VmSignal.AGENT_READY, VmSignal.PROCESS_EXITED);
        assertThat(o.state()).isEqualTo(RoleState.StoppedVM);
        assertThat(o.cause()).isEqualTo(HealthCause.STOPPED_BY_REQUEST);
    }

    @Test
    void a_silent_agent_makes_the_role_unresponsive_until_it_speaks_again() {
        ObservedInstance o = after(created, VmSignal.LAUNCHED, VmSignal.AGENT_READY, VmSignal.AGENT_SILENT);
        assertThat(o.state()).isEqualTo(RoleState.UnresponsiveRole);
        assertThat(o.cause()).isEqualTo(HealthCause.AGENT_SILENT);
        assertThat(after(o, VmSignal.AGENT_READY).state()).isEqualTo(RoleState.ReadyRole);
    }

    @Test
    void repeated_heartbeats_keep_the_time_the_state_began() {
        ObservedInstance ready = after(created, VmSignal.LAUNCHED, VmSignal.AGENT_READY);
        assertThat(HealthTransitions.next(ready, VmSignal.AGENT_READY, "", 99_000)).isSameAs(ready);
    }

    @Test
    void a_reset_is_reported_as_restarting() {
        ObservedInstance o = after(created, VmSignal.LAUNCHED, VmSignal.AGENT_READY, VmSignal.GUEST_RESET);
        assertThat(o.state()).isEqualTo(RoleState.RestartingRole);
        assertThat(o.cause()).isEqualTo(HealthCause.GUEST_RESET);
    }

    @Test
    void an_agent_repeating_hello_until_its_environment_arrives_does_not_flap_back_to_starting() {
        ObservedInstance busy = after(created, VmSignal.LAUNCHED, VmSignal.AGENT_HELLO, VmSignal.AGENT_BUSY);
        ObservedInstance again = HealthTransitions.next(busy, VmSignal.AGENT_HELLO, "vmrole-agent/1.0.0", 9000);
        assertThat(again.state()).isEqualTo(RoleState.BusyRole);
        assertThat(again.sinceEpochMillis()).isEqualTo(busy.sinceEpochMillis());
        assertThat(after(again, VmSignal.AGENT_READY).state()).isEqualTo(RoleState.ReadyRole);
    }

    @Test
    void remembers_the_agent_and_its_version_from_hello() {
        ObservedInstance o = HealthTransitions.next(after(created, VmSignal.LAUNCHED), VmSignal.AGENT_HELLO, "vmrole-agent/1.0.0", 5000);
        assertThat(o.agent()).isEqualTo("vmrole-agent/1.0.0");
        assertThat(after(o, VmSignal.AGENT_READY).agent()).isEqualTo("vmrole-agent/1.0.0");
    }

    @Test
    void an_instance_without_agent_is_ready_while_its_probe_passes_and_unresponsive_when_it_fails() {
        ObservedInstance o = after(created, VmSignal.LAUNCHED, VmSignal.PROBE_PASSED);
        assertThat(o.state()).isEqualTo(RoleState.ReadyRole);
        assertThat(o.judgedByProbe()).isTrue();
        o = after(o, VmSignal.PROBE_FAILED);
        assertThat(o.state()).isEqualTo(RoleState.UnresponsiveRole);
        assertThat(o.cause()).isEqualTo(HealthCause.PROBE_FAILING);
        assertThat(after(o, VmSignal.PROBE_PASSED).state()).isEqualTo(RoleState.ReadyRole);
    }

    @Test
    void a_failing_probe_before_the_first_pass_keeps_the_instance_starting_its_role() {
        ObservedInstance o = after(created, VmSignal.LAUNCHED, VmSignal.PROBE_FAILED);
        assertThat(o.state()).isEqualTo(RoleState.StartingRole);
        assertThat(o.judgedByProbe()).isTrue();
        assertThat(after(o, VmSignal.PROBE_FAILED).state()).isEqualTo(RoleState.StartingRole);
    }

    @Test
    void once_an_agent_speaks_the_probe_no_longer_judges() {
        ObservedInstance o = after(created, VmSignal.LAUNCHED, VmSignal.AGENT_HELLO, VmSignal.AGENT_BUSY, VmSignal.PROBE_PASSED);
        assertThat(o.state()).isEqualTo(RoleState.BusyRole);
    }
}
