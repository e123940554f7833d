package org.vmrole.server.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmrole.api.traffic.ServiceTraffic;
import org.vmrole.api.traffic.ServiceTraffic.SlotTraffic;
import org.vmrole.api.traffic.TrafficInstance;
import org.vmrole.api.traffic.TrafficSpec;
import org.vmrole.lb.Availability;
import org.vmrole.lb.Backend;
import org.vmrole.lb.Slot;
import org.vmrole.model.InstanceName;
import org.vmrole.model.RoleState;
import org.vmrole.model.host.EndpointBinding;

class TrafficPlanTest {
    private static final TrafficSpec.Rule WEB = new TrafficSpec.Rule("WebVM", "http", "http", 80, null, null, 5, 11);
    private static final TrafficSpec SPEC = new TrafficSpec(List.of(WEB));

    private static TrafficInstance web(int index, RoleState state, String address, int port) {
        return new TrafficInstance(new InstanceName("WebVM", index), state, address,
                port == 0 ? List.of() : List.of(new EndpointBinding("http", "tcp", 80, port)));
    }

    private static ServiceTraffic service(String name, Map<String, SlotTraffic> slots) {
        return new ServiceTraffic(name, slots);
    }

    private static ServiceTraffic production(String deployment, TrafficInstance... instances) {
        return service("s1/web", Map.of("production", new SlotTraffic(deployment, SPEC, List.of(instances))));
    }

    private static TrafficPlan.Transition from(TrafficPlan applied, ServiceTraffic... wanted) {
        return TrafficPlan.next(applied, TrafficPlan.of(List.of(wanted)));
    }

    @Test
    void ready_and_busy_instances_are_backends_at_their_hosts_address_and_the_others_are_not() {
        TrafficPlan plan = TrafficPlan.of(List.of(production("d1",
                web(0, RoleState.ReadyRole, "10.213.1.2", 20001),
                web(1, RoleState.BusyRole, "10.213.2.2", 20002),
                web(2, RoleState.StartingRole, "10.213.1.2", 20003),
                web(3, RoleState.ReadyRole, "10.213.1.2", 0))));

        assertThat(plan.pools().get("d1").get("WebVM/http").backends()).containsExactly(
                new Backend("WebVM_IN_0@10.213.1.2:20001", new InetSocketAddress("10.213.1.2", 20001), Availability.READY),
                new Backend("WebVM_IN_1@10.213.2.2:20002", new InetSocketAddress("10.213.2.2", 20002), Availability.BUSY));
    }

    @Test
    void an_instance_moving_make_before_break_is_balanced_over_both_copies_even_on_the_same_port() {
        TrafficPlan plan = TrafficPlan.of(List.of(production("d1",
                web(0, RoleState.ReadyRole, "10.213.1.2", 20001), web(0, RoleState.StartingRole, "10.213.2.2", 20001))));
        assertThat(plan.pools().get("d1").get("WebVM/http").ids()).containsExactly("WebVM_IN_0@10.213.1.2:20001");

        TrafficPlan both = TrafficPlan.of(List.of(production("d1",
                web(0, RoleState.ReadyRole, "10.213.1.2", 20001), web(0, RoleState.ReadyRole, "10.213.2.2", 20001))));
        assertThat(both.pools().get("d1").get("WebVM/http").ids()).containsExactly("WebVM_IN_0@10.213.1.2:20001", "WebVM_IN_0@10.213.2.2:20001");
    }

    @Test
    void instances_of_another_role_stay_out_of_the_pool() {
        TrafficInstance worker = new TrafficInstance(new InstanceName("Worker", 0), RoleState.ReadyRole, "127.0.0.1",
                List.of(new EndpointBinding("http", "tcp", 80, 20009)));

        TrafficPlan plan = TrafficPlan.of(List.of(production("d1", worker)));

        assertThat(plan.pools().get("d1").get("WebVM/http").backends()).isEmpty();
    }

    @Test
    void a_new_deployment_gets_its_pool_before_its_slot_routes_to_it_and_its_listener_opens() {
        TrafficPlan.Transition t = from(TrafficPlan.EMPTY, production("d1", web(0, RoleState.ReadyRole, "127.0.0.1", 20001)));

        assertThat(t.steps()).extracting(s -> s.getClass().getSimpleName())
                .containsExactly("OpenPool", "SetBackends", "Place", "Listen", "Publish");
        assertThat(t.steps()).contains(new TrafficStep.Place("s1/web", Slot.PRODUCTION, "d1"));
    }

    @Test
    void nothing_changes_on_the_balancer_when_the_fabric_did_not_change() {
        ServiceTraffic same = production("d1", web(0, RoleState.ReadyRole, "127.0.0.1", 20001));
        TrafficPlan applied = from(TrafficPlan.EMPTY, same).applied();

        assertThat(from(applied, same).steps()).containsExactly(new TrafficStep.Publish("s1/web", Slot.PRODUCTION, "d1", List.of(WEB)));
    }

    @Test
    void an_instance_that_stops_being_ready_is_drained_before_the_pool_is_given_the_rest() {
        TrafficPlan applied = from(TrafficPlan.EMPTY, production("d1",
                web(0, RoleState.ReadyRole, "127.0.0.1", 20001), web(1, RoleState.ReadyRole, "127.0.0.1", 20002))).applied();

        TrafficPlan.Transition t = from(applied, production("d1",
                web(0, RoleState.StoppingRole, "127.0.0.1", 20001), web(1, RoleState.ReadyRole, "127.0.0.1", 20002)));

        assertThat(t.steps()).startsWith(new TrafficStep.Drain("d1", "WebVM/http", "WebVM_IN_0@127.0.0.1:20001"),
                new TrafficStep.SetBackends("d1", "WebVM/http",
                        List.of(new Backend("WebVM_IN_1@127.0.0.1:20002", new InetSocketAddress("127.0.0.1", 20002), Availability.READY))));
    }

    @Test
    void an_instance_going_busy_keeps_its_place_with_a_new_availability_and_is_not_drained() {
        TrafficPlan applied = from(TrafficPlan.EMPTY, production("d1", web(0, RoleState.ReadyRole, "127.0.0.1", 20001))).applied();

        TrafficPlan.Transition t = from(applied, production("d1", web(0, RoleState.BusyRole, "127.0.0.1", 20001)));

        assertThat(t.steps()).noneMatch(s -> s instanceof TrafficStep.Drain);
        assertThat(t.steps()).contains(new TrafficStep.SetBackends("d1", "WebVM/http",
                List.of(new Backend("WebVM_IN_0@127.0.0.1:20001", new InetSocketAddress("127.0.0.1", 20001), Availability.BUSY))));
    }

    @Test
    void exchanging_production_and_staging_is_one_swap_and_opens_no_listener_twice() {
        Map<String, SlotTraffic> before = new LinkedHashMap<>();
        before.put("production", new SlotTraffic("d1", SPEC, List.of()));
        before.put("staging", new SlotTraffic("d2", SPEC, List.of()));
        TrafficPlan applied = from(TrafficPlan.EMPTY, service("s1/web", before)).applied();

        Map<String, SlotTraffic> after = new LinkedHashMap<>();
        after.put("production", new SlotTraffic("d2", SPEC, List.of()));
        after.put("staging", new SlotTraffic("d1", SPEC, List.of()));
        TrafficPlan.Transition t = from(applied, service("s1/web", after));

        assertThat(t.steps()).filteredOn(s -> !(s instanceof TrafficStep.Publish)).containsExactly(new TrafficStep.Swap("s1/web"));
    }

    @Test
    void a_new_deployment_in_production_is_routed_on_the_listener_the_old_one_opened() {
        TrafficPlan applied = from(TrafficPlan.EMPTY, production("d1")).applied();

        TrafficPlan.Transition t = from(applied, production("d2"));

        assertThat(t.steps()).noneMatch(s -> s instanceof TrafficStep.Listen);
        assertThat(t.steps()).contains(new TrafficStep.Place("s1/web", Slot.PRODUCTION, "d2"), new TrafficStep.ClosePools("d1"));
        assertThat(t.steps().indexOf(new TrafficStep.ClosePools("d1")))
                .isGreaterThan(t.steps().indexOf(new TrafficStep.Place("s1/web", Slot.PRODUCTION, "d2")));
    }

    @Test
    void a_deleted_service_closes_its_listeners_and_its_deployments_pools() {
        TrafficPlan applied = from(TrafficPlan.EMPTY, production("d1")).applied();

        TrafficPlan.Transition t = from(applied);

        assertThat(t.steps()).containsExactly(new TrafficStep.CloseService("s1/web"), new TrafficStep.ClosePools("d1"));
        assertThat(t.applied()).isEqualTo(TrafficPlan.EMPTY);
    }

    @Test
    void an_emptied_slot_routes_nowhere() {
        Map<String, SlotTraffic> both = new LinkedHashMap<>();
        both.put("production", new SlotTraffic("d1", SPEC, List.of()));
        both.put("staging", new SlotTraffic("d2", SPEC, List.of()));
        TrafficPlan applied = from(TrafficPlan.EMPTY, service("s1/web", both)).applied();

        TrafficPlan.Transition t = from(applied, production("d1"));

        assertThat(t.steps()).contains(new TrafficStep.Place("s1/web", Slot.STAGING, null), new TrafficStep.ClosePools("d2"));
    }
}
