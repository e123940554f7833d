package org.vmrole.lb;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ForwardingRulesTest {

    private static InetSocketAddress at(String host, int port) {
        return new InetSocketAddress(host, port);
    }

    @Test
    void replaces_the_whole_table_in_one_transaction_with_one_round_robin_rule_per_endpoint() {
        String rules = ForwardingRules.render("vmrole_lb_1_1", List.of(
                new ForwardingRules.Forward(at("127.0.0.1", 80), List.of(at("127.0.0.1", 8081), at("127.0.0.1", 8082)))));

        assertThat(rules).isEqualTo("""
                table ip vmrole_lb_1_1 {}
                delete table ip vmrole_lb_1_1
                table ip vmrole_lb_1_1 {
                  chain output {
                    type nat hook output priority -100; policy accept;
                    ip daddr 127.0.0.1 tcp dport 80 dnat ip to numgen inc mod 2 map { 0 : 127.0.0.1 . 8081, 1 : 127.0.0.1 . 8082 }
                  }
                }
                """);
    }

    @Test
    void an_endpoint_on_every_address_matches_any_local_destination() {
        String rules = ForwardingRules.render("t", List.of(new ForwardingRules.Forward(at("0.0.0.0", 80), List.of(at("127.0.0.1", 8081)))));
        assertThat(rules).contains("fib daddr type local tcp dport 80 dnat ip to numgen inc mod 1 map { 0 : 127.0.0.1 . 8081 }");
    }

    @Test
    void leaves_to_the_proxy_an_endpoint_without_backends_in_rotation_and_one_on_ipv6() {
        String rules = ForwardingRules.render("t", List.of(
                new ForwardingRules.Forward(at("127.0.0.1", 80), List.of()),
                new ForwardingRules.Forward(at("::1", 81), List.of(at("::1", 8081)))));
        assertThat(rules).doesNotContain("dnat");
    }

    @Test
    void a_loopback_endpoint_with_a_backend_on_another_machine_stays_with_the_proxy() {
        String rules = ForwardingRules.render("t", List.of(
                new ForwardingRules.Forward(at("127.0.0.1", 80), List.of(at("127.0.0.1", 8081), at("10.1.2.3", 8081))),
                new ForwardingRules.Forward(at("10.0.0.5", 81), List.of(at("10.1.2.3", 8081)))));
        assertThat(rules).doesNotContain("dport 80 ").contains("ip daddr 10.0.0.5 tcp dport 81 dnat ip to numgen inc mod 1 map { 0 : 10.1.2.3 . 8081 }");
    }

    @Test
    void forwards_clients_of_other_machines_with_the_balancers_address_as_their_source_when_this_machine_routes() {
        List<ForwardingRules.Forward> forwards = List.of(
                new ForwardingRules.Forward(at("10.0.0.5", 81), List.of(at("10.1.2.3", 8081))),
                new ForwardingRules.Forward(at("127.0.0.1", 80), List.of(at("127.0.0.1", 8081))));
        String rules = ForwardingRules.render("t", forwards, true);
        assertThat(rules).contains("""
                  chain prerouting {
                    type nat hook prerouting priority -100; policy accept;
                    ip daddr 10.0.0.5 tcp dport 81 dnat ip to numgen inc mod 1 map { 0 : 10.1.2.3 . 8081 }
                  }
                  chain postrouting {
                    type nat hook postrouting priority 100; policy accept;
                    ct status dnat ct original ip daddr 10.0.0.5 meta l4proto tcp ct original proto-dst 81 ip saddr != 10.0.0.5 snat ip to 10.0.0.5
                  }
                """);
        assertThat(rules).as("a loopback endpoint serves this machine only").containsOnlyOnce("dport 80 ");
        assertThat(ForwardingRules.render("t", forwards, false)).as("a machine that does not route").doesNotContain("prerouting");
    }

    @Test
    void refuses_a_table_name_nft_would_misread() {
        assertThatThrownBy(() -> ForwardingRules.render("x; flush ruleset", List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lower-case letters, digits and '_'");
    }
}
