package org.vmrole.host.link;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmrole.model.tls.JoinCredentials;

class ControllerClientTest {
    private static final String TOKEN = new JoinCredentials("secret-secret-secret", "0".repeat(64)).format();

    @Test
    void follows_a_leader_it_was_told_of_and_moves_to_the_next_replica_when_none_is_named() {
        ControllerClient client = new ControllerClient(List.of(URI.create("http://10.0.0.1:8080"), URI.create("http://10.0.0.2:8080/")), "h1", TOKEN);
        assertThat(client.failOver("10.0.0.2:8080")).isTrue();
        assertThat(client.controller()).isEqualTo(URI.create("http://10.0.0.2:8080"));
        assertThat(client.failOver(null)).isTrue();
        assertThat(client.controller()).isEqualTo(URI.create("http://10.0.0.1:8080"));
    }

    @Test
    void a_host_told_of_one_replica_learns_the_leader_it_names_and_falls_back_to_its_own() {
        ControllerClient client = new ControllerClient(URI.create("http://127.0.0.1:8080"), "h1", TOKEN);
        assertThat(client.failOver("127.0.0.2:9090")).isTrue();
        assertThat(client.controller()).isEqualTo(URI.create("http://127.0.0.2:9090"));
        assertThat(client.failOver("127.0.0.2:9090")).as("named again: it stays").isFalse();
        assertThat(client.controllers()).hasSize(2);
        // the leader died: the next in turn is the host's own replica
        assertThat(client.failOver(null)).isTrue();
        assertThat(client.controller()).isEqualTo(URI.create("http://127.0.0.1:8080"));
    }

    @Test
    void a_leader_named_as_no_address_is_not_learned() {
        ControllerClient client = new ControllerClient(URI.create("http://127.0.0.1:8080"), "h1", TOKEN);
        assertThat(client.failOver("no port here")).isFalse();
        assertThat(client.controllers()).containsExactly(URI.create("http://127.0.0.1:8080"));
    }
}
