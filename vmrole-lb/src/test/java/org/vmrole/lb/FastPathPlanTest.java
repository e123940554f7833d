package org.vmrole.lb;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FastPathPlanTest {

    private static final InetSocketAddress BACKEND = new InetSocketAddress("10.0.0.9", 80);

    @Test
    void endpoints_serving_other_machines_are_keyed_by_address_and_port_in_network_order() {
        FastPathPlan plan = FastPathPlan.of(List.of(new ForwardingRules.Forward(new InetSocketAddress("10.0.0.3", 8080), List.of(BACKEND))), true);

        assertThat(plan.addressKeys()).containsExactly("10 0 0 3");
        assertThat(plan.endpointKeys()).containsExactly("10 0 0 3 31 144 0 0");
    }

    @Test
    void nothing_is_fast_pathed_when_this_machine_does_not_route_packets() {
        FastPathPlan plan = FastPathPlan.of(List.of(new ForwardingRules.Forward(new InetSocketAddress("10.0.0.3", 8080), List.of(BACKEND))), false);

        assertThat(plan.isEmpty()).isTrue();
    }

    @Test
    void endpoints_for_local_clients_only_and_endpoints_without_backends_stay_off_the_fast_path() {
        FastPathPlan plan = FastPathPlan.of(List.of(
                new ForwardingRules.Forward(new InetSocketAddress("127.0.0.1", 8080), List.of(new InetSocketAddress("127.0.0.1", 9000))),
                new ForwardingRules.Forward(new InetSocketAddress("0.0.0.0", 8081), List.of(BACKEND)),
                new ForwardingRules.Forward(new InetSocketAddress("10.0.0.3", 8082), List.of())), true);

        assertThat(plan).isEqualTo(FastPathPlan.EMPTY);
    }

    @Test
    void two_endpoints_on_one_address_share_its_address_key() {
        FastPathPlan plan = FastPathPlan.of(List.of(
                new ForwardingRules.Forward(new InetSocketAddress("10.0.0.3", 80), List.of(BACKEND)),
                new ForwardingRules.Forward(new InetSocketAddress("10.0.0.3", 443), List.of(BACKEND))), true);

        assertThat(plan.addressKeys()).isEqualTo(Set.of("10 0 0 3"));
        assertThat(plan.endpointKeys()).isEqualTo(Set.of("10 0 0 3 0 80 0 0", "10 0 0 3 1 187 0 0"));
    }

    @Test
    void the_program_goes_on_ethernet_interfaces_that_are_up_with_an_ipv4_address() {
        byte[] mac = {2, 0, 0, 0, 0, 1};
        assertThat(BpfFastPath.carriesForwardedTraffic(true, false, mac, true)).isTrue();
        assertThat(BpfFastPath.carriesForwardedTraffic(false, false, mac, true)).as("down").isFalse();
        assertThat(BpfFastPath.carriesForwardedTraffic(true, true, mac, true)).as("loopback or an alias").isFalse();
        assertThat(BpfFastPath.carriesForwardedTraffic(true, false, null, true)).as("no Ethernet header (a tunnel)").isFalse();
        assertThat(BpfFastPath.carriesForwardedTraffic(true, false, mac, false)).as("no IPv4 address").isFalse();
    }
}
