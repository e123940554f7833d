package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class LocalAddressTest {
    @Test
    void a_wildcard_is_refused_because_nobody_can_dial_it() {
        assertThatThrownBy(() -> LocalAddress.require("--address", "0.0.0.0")).hasMessageContaining("--address 0.0.0.0 is a wildcard");
    }

    @Test
    void an_address_of_another_machine_is_refused() {
        assertThatThrownBy(() -> LocalAddress.require("--address", "203.0.113.254")).hasMessageContaining("not an address of this machine");
    }

    @Test
    void a_name_or_an_ipv6_address_is_refused_with_the_form_expected() {
        assertThatThrownBy(() -> LocalAddress.require("--listen", "localhost")).hasMessageContaining("--listen 'localhost' is not an IPv4 address");
        assertThatThrownBy(() -> LocalAddress.require("--listen", "::1")).hasMessageContaining("is not an IPv4 address");
    }

    @Test
    void without_an_address_a_host_takes_the_one_it_reaches_the_controller_from() {
        assertThat(LocalAddress.orTowards("--address", null, URI.create("http://127.0.0.1:8080")).getHostAddress()).isEqualTo("127.0.0.1");
    }

    @Test
    void a_loopback_address_is_accepted() {
        assertThat(LocalAddress.require("--listen", "127.0.0.1").getHostAddress()).isEqualTo("127.0.0.1");
    }
}
