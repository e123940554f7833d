package org.vmrole.host.link;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmrole.model.host.HostJoin;
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

    private static final HostJoin JOIN = new HostJoin("h1", 0, null, null, null);

    @Test
    void a_controller_whose_api_port_refuses_connections_cannot_act() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        ControllerClient client = new ControllerClient(URI.create("http://127.0.0.1:" + closed), "h1", TOKEN);
        assertThatThrownBy(() -> client.join(JOIN)).isInstanceOf(ControllerClient.CannotAct.class).hasMessageContaining("no controller runs there");
    }

    @Test
    void a_replica_without_its_store_cannot_act_and_one_that_fails_otherwise_might() throws Exception {
        java.util.concurrent.atomic.AtomicReference<String> code = new java.util.concurrent.atomic.AtomicReference<>("StoreUnavailable");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = ("{\"error\":{\"code\":\"" + code.get() + "\",\"message\":\"the etcd store has no quorum\"}}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(503, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            ControllerClient client = new ControllerClient(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), "h1", TOKEN);
            assertThatThrownBy(() -> client.join(JOIN)).isInstanceOf(ControllerClient.CannotAct.class).hasMessageContaining("no quorum");
            code.set("ServerBusy");
            assertThatThrownBy(() -> client.join(JOIN)).isInstanceOf(java.io.IOException.class).isNotInstanceOf(ControllerClient.CannotAct.class);
        } finally {
            server.stop(0);
        }
    }
}
