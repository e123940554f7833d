package org.vmrole.fabric.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.vmrole.model.VmSize;

class PlacementTest {

    private static List<HostOffer> hosts(int perDomain, int domains, FreeCapacity free) {
        List<HostOffer> out = new ArrayList<>();
        for (int d = 0; d < domains; d++) {
            for (int i = 0; i < perDomain; i++) out.add(new HostOffer("h" + d + "-" + i, d, free));
        }
        return out;
    }

    private static List<PlacementRequest> requests(String group, int n, VmSize size) {
        List<PlacementRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new PlacementRequest("d1/" + group + "_IN_" + i, group, size, null));
        return out;
    }

    private static final FreeCapacity FOUR_CORES = new FreeCapacity(4, 16384, 2000);

    @Test
    void spreads_a_role_evenly_across_fault_domains() {
        var decisions = new Placement(hosts(3, 3, FOUR_CORES), Map.of()).place(requests("Web", 7, VmSize.Small));
        Map<Integer, Long> perDomain = decisions.stream().collect(Collectors.groupingBy(PlacementDecision::faultDomain, Collectors.counting()));
        assertThat(perDomain).containsOnlyKeys(0, 1, 2);
        assertThat(perDomain.values()).allSatisfy(n -> assertThat(n).isBetween(2L, 3L));
    }

    @Test
    void counts_instances_already_running_when_spreading() {
        var placement = new Placement(hosts(2, 2, FOUR_CORES), Map.of("Web", Map.of(0, 3)));
        assertThat(placement.place(requests("Web", 2, VmSize.Small))).extracting(PlacementDecision::faultDomain).containsExactly(1, 1);
    }

    @Test
    void puts_an_instance_only_where_its_size_fits() {
        List<HostOffer> offers = List.of(new HostOffer("small", 0, new FreeCapacity(1, 2048, 200)), new HostOffer("big", 1, new FreeCapacity(3, 8192, 1000)));
        var decisions = new Placement(offers, Map.of()).place(requests("Web", 2, VmSize.Medium));
        assertThat(decisions).extracting(PlacementDecision::host).containsExactly("big", null);
        assertThat(decisions.get(1).waitingReason()).isEqualTo("needs 2 cores, largest free host has 1");
    }

    @Test
    void says_why_when_memory_is_what_is_missing() {
        var offers = List.of(new HostOffer("h", 0, new FreeCapacity(8, 1024, 2000)));
        var decision = new Placement(offers, Map.of()).place(requests("Web", 1, VmSize.Small)).get(0);
        assertThat(decision.waitingReason()).isEqualTo("needs 1792 MiB memory, largest free host with the cores has 1024 MiB");
    }

    @Test
    void says_so_when_no_host_is_up() {
        var decision = new Placement(List.of(), Map.of()).place(requests("Web", 1, VmSize.Small)).get(0);
        assertThat(decision.waitingReason()).contains("no host is up");
    }

    @Test
    void never_lands_on_the_host_it_must_avoid() {
        var offers = List.of(new HostOffer("a", 0, FOUR_CORES), new HostOffer("b", 0, new FreeCapacity(1, 2048, 200)));
        var decision = new Placement(offers, Map.of()).place(new PlacementRequest("d1/Web_IN_0", "Web", VmSize.Small, "a"));
        assertThat(decision.host()).isEqualTo("b");
        var nowhere = new Placement(List.of(offers.get(0)), Map.of()).place(new PlacementRequest("d1/Web_IN_0", "Web", VmSize.Small, "a"));
        assertThat(nowhere.waitingReason()).contains("no host other than a");
    }

    @Test
    void decides_the_same_way_for_the_same_input() {
        var first = new Placement(hosts(4, 5, FOUR_CORES), Map.of()).place(requests("Web", 40, VmSize.Small));
        var second = new Placement(hosts(4, 5, FOUR_CORES), Map.of()).place(requests("Web", 40, VmSize.Small));
        assertThat(first).isEqualTo(second);
    }

    @Test
    void never_gives_a_host_more_than_it_has() {
        var decisions = new Placement(hosts(2, 2, new FreeCapacity(2, 8192, 1000)), Map.of()).place(requests("Web", 10, VmSize.Small));
        assertThat(decisions.stream().filter(PlacementDecision::placed)).hasSize(8);
        Map<String, Long> perHost = decisions.stream().filter(PlacementDecision::placed).collect(Collectors.groupingBy(PlacementDecision::host, Collectors.counting()));
        assertThat(perHost.values()).allSatisfy(n -> assertThat(n).isEqualTo(2L));
    }
}
