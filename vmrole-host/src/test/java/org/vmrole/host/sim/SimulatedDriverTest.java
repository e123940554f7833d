package org.vmrole.host.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmrole.host.Assignments;
import org.vmrole.host.HostAction;
import org.vmrole.host.HostAgent;
import org.vmrole.host.VmStartException;
import org.vmrole.model.RoleState;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.HealthCause;
import org.vmrole.model.host.ObservedInstance;

class SimulatedDriverTest {
    private final SimulatedClock clock = new SimulatedClock();
    private final SimulatedDriver driver = new SimulatedDriver(clock, SimulatedDriver.Timings.typical());
    private final Assignment web0 = Assignments.of("Web", 0, 1, 0);

    private ObservedInstance seen() {
        return driver.observe(web0.key()).orElseThrow();
    }

    @Test
    void an_instance_boots_to_ready_as_the_clock_moves() {
        driver.start(web0);
        assertThat(seen().state()).isEqualTo(RoleState.StartingVM);
        clock.advance(Duration.ofSeconds(3));
        assertThat(seen().state()).isEqualTo(RoleState.StartingRole);
        clock.advance(Duration.ofSeconds(2));
        assertThat(seen().state()).isEqualTo(RoleState.ReadyRole);
    }

    @Test
    void scripted_failures_are_observed_with_their_causes() {
        Assignment web1 = Assignments.of("Web", 1, 1, 0), web2 = Assignments.of("Web", 2, 1, 0);
        driver.start(web0);
        driver.start(web1);
        driver.start(web2);
        clock.advance(Duration.ofSeconds(10));
        driver.crash(web0.key());
        driver.panic(web1.key());
        driver.hangAgent(web2.key());
        assertThat(driver.observe(web0.key()).orElseThrow().cause()).isEqualTo(HealthCause.PROCESS_EXITED);
        assertThat(driver.observe(web1.key()).orElseThrow().cause()).isEqualTo(HealthCause.GUEST_PANICKED);
        assertThat(driver.observe(web2.key()).orElseThrow().state()).isEqualTo(RoleState.ReadyRole);
        clock.advance(Duration.ofSeconds(5));
        ObservedInstance hung = driver.observe(web2.key()).orElseThrow();
        assertThat(hung.state()).isEqualTo(RoleState.UnresponsiveRole);
        assertThat(hung.cause()).isEqualTo(HealthCause.AGENT_SILENT);
    }

    @Test
    void a_scripted_start_failure_throws_once() {
        driver.failNextStart(web0.key());
        assertThatThrownBy(() -> driver.start(web0)).isInstanceOf(VmStartException.class);
        driver.start(web0);
        assertThat(driver.size()).isEqualTo(1);
    }

    @Test
    void listeners_hear_each_change_once() {
        List<ObservedInstance> heard = new ArrayList<>();
        driver.addListener(heard::add);
        driver.start(web0);
        driver.observe();
        driver.observe();
        clock.advance(Duration.ofSeconds(5));
        driver.observe();
        assertThat(heard).extracting(ObservedInstance::state).containsExactly(RoleState.StartingVM, RoleState.ReadyRole);
    }

    @Test
    void a_host_agent_on_the_simulated_driver_starts_reimages_and_fences() {
        HostAgent agent = new HostAgent(driver);
        Assignment web1 = Assignments.of("Web", 1, 1, 0);
        assertThat(agent.apply(List.of(web0, web1))).hasSize(2);
        clock.advance(Duration.ofSeconds(5));
        assertThat(agent.observe()).extracting(ObservedInstance::state).containsOnly(RoleState.ReadyRole);

        List<HostAction> actions = agent.apply(List.of(Assignments.of("Web", 0, 2, 0)));
        assertThat(actions).containsExactly(new HostAction(HostAction.Kind.REIMAGE, web0.key()), new HostAction(HostAction.Kind.STOP, web1.key()));
        assertThat(agent.observe()).singleElement().satisfies(o -> {
            assertThat(o.incarnation()).isEqualTo(2);
            assertThat(o.state()).isEqualTo(RoleState.StartingVM);
        });
    }

    @Test
    void a_failed_start_is_reported_as_failed_starting_vm() {
        HostAgent agent = new HostAgent(driver);
        driver.failNextStart(web0.key());
        agent.apply(List.of(web0));
        assertThat(agent.observe()).singleElement().satisfies(o -> {
            assertThat(o.state()).isEqualTo(RoleState.FailedStartingVM);
            assertThat(o.cause()).isEqualTo(HealthCause.START_FAILED);
        });
        assertThat(agent.apply(List.of(web0))).isEmpty();
    }

    @Test
    void a_host_agent_restarts_an_assigned_vm_the_driver_no_longer_holds_but_leaves_a_crashed_one_to_the_controller() {
        HostAgent agent = new HostAgent(driver);
        Assignment web1 = Assignments.of("Web", 1, 1, 0);
        agent.apply(List.of(web0, web1));
        driver.kill(web0.key());
        driver.crash(web1.key());
        assertThat(agent.apply(List.of(web0, web1))).containsExactly(new HostAction(HostAction.Kind.START, web0.key()));
        assertThat(agent.observe(web1.key()).orElseThrow().cause()).isEqualTo(HealthCause.PROCESS_EXITED);
        assertThat(agent.apply(List.of(web0, Assignments.of("Web", 1, 2, 0))))
                .containsExactly(new HostAction(HostAction.Kind.REIMAGE, web1.key()));
    }
}
