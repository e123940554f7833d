package org.vmrole.host.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmrole.model.host.EndpointBinding;

class EndpointRelayTest {
    /** Another address of this machine: the relay must not answer on 127.0.0.1, where the "instance" listens. */
    private static final InetAddress HOST_ADDRESS = address("127.0.0.2");

    private ServerSocket instance;
    private EndpointRelay relay;

    private static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void an_instance_that_answers_upper_case_on_loopback() throws IOException {
        instance = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!instance.isClosed()) {
                try (Socket s = instance.accept()) {
                    String request = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    s.getOutputStream().write(request.toUpperCase().getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    return;
                }
            }
        });
        relay = new EndpointRelay(HOST_ADDRESS);
    }

    @AfterEach
    void close() throws IOException {
        relay.close();
        instance.close();
    }

    private Map<String, List<EndpointBinding>> published() {
        return relay.publish(Map.of("d1/WebVM_IN_0", List.of(new EndpointBinding("http", "tcp", 80, instance.getLocalPort()))));
    }

    private static String exchange(int port, String request) throws IOException {
        try (Socket s = new Socket(HOST_ADDRESS, port)) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void a_connection_to_the_published_endpoint_reaches_the_instance_and_its_answer_comes_back() throws IOException {
        int port = published().get("d1/WebVM_IN_0").get(0).hostPort();

        assertThat(exchange(port, "hello from another machine")).isEqualTo("HELLO FROM ANOTHER MACHINE");
    }

    @Test
    void the_endpoint_keeps_its_port_number_on_the_hosts_address() {
        assertThat(published().get("d1/WebVM_IN_0")).containsExactly(new EndpointBinding("http", "tcp", 80, instance.getLocalPort()));
    }

    @Test
    void a_port_taken_on_the_hosts_address_is_published_on_another_one() throws IOException {
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(HOST_ADDRESS, instance.getLocalPort()));

            int port = published().get("d1/WebVM_IN_0").get(0).hostPort();

            assertThat(port).isNotEqualTo(instance.getLocalPort());
            assertThat(exchange(port, "still here")).isEqualTo("STILL HERE");
        }
    }

    @Test
    void an_endpoint_no_longer_running_is_no_longer_published() throws IOException {
        int port = published().get("d1/WebVM_IN_0").get(0).hostPort();

        assertThat(relay.publish(Map.of())).isEmpty();

        assertThatThrownBy(() -> exchange(port, "anyone?")).isInstanceOf(ConnectException.class);
    }

    @Test
    void unpublishing_closes_the_port_before_it_returns_every_time() {
        // the close of a listener whose accepting thread has not yet woken up used to leave the port accepting
        for (int i = 0; i < 200; i++) {
            int port = published().get("d1/WebVM_IN_0").get(0).hostPort();
            relay.publish(Map.of());
            assertThatThrownBy(() -> exchange(port, "anyone?")).as("cycle %d", i).isInstanceOf(ConnectException.class);
        }
    }

    @Test
    void a_wildcard_address_is_refused_with_the_reason() {
        assertThatThrownBy(() -> new EndpointRelay(address("0.0.0.0"))).hasMessageContaining("concrete address");
    }
}
