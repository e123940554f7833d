package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HostAgentCommandTest {
    @Test
    void reads_the_private_network_listen_address_as_host_and_port() {
        assertThat(HostAgentCommand.listenAddress("127.0.0.1:7400").getPort()).isEqualTo(7400);
        assertThat(HostAgentCommand.listenAddress("127.0.0.1:0").getPort()).isZero();
    }

    @Test
    void refuses_a_listen_address_without_a_usable_port_and_says_what_to_give() {
        assertThatThrownBy(() -> HostAgentCommand.listenAddress("127.0.0.1")).hasMessageContaining("--network-listen").hasMessageContaining("host:port");
        assertThatThrownBy(() -> HostAgentCommand.listenAddress("127.0.0.1:http")).hasMessageContaining("0-65535");
        assertThatThrownBy(() -> HostAgentCommand.listenAddress("127.0.0.1:70000")).hasMessageContaining("0-65535");
    }
}
