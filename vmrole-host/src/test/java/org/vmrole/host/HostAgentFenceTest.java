package org.vmrole.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.vmrole.host.sim.SimulatedClock;
import org.vmrole.host.sim.SimulatedDriver;

class HostAgentFenceTest {
    private final List<String> stops = new CopyOnWriteArrayList<>();
    private final SimulatedDriver vms = new SimulatedDriver(new SimulatedClock());
    private final HostAgent agent = new HostAgent((HypervisorDriver) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {HypervisorDriver.class}, (proxy, method, args) -> {
                if (method.getName().equals("stop") || method.getName().equals("kill")) stops.add(method.getName() + " " + args[0]);
                try {
                    return method.invoke(vms, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }));

    @Test
    void a_host_that_fences_itself_ends_its_vms_at_once_without_asking_the_guests() {
        agent.apply(List.of(Assignments.of("Web", 0, 1, 0), Assignments.of("Web", 1, 1, 0)));
        agent.fence();
        assertThat(stops).containsExactlyInAnyOrder("kill d-test/Web_IN_0", "kill d-test/Web_IN_1");
        assertThat(vms.observe()).isEmpty();
    }

    @Test
    void a_host_taken_out_of_service_stops_its_vms_gracefully() {
        agent.apply(List.of(Assignments.of("Web", 0, 1, 0)));
        agent.stopAll();
        assertThat(stops).containsExactly("stop d-test/Web_IN_0");
    }
}
