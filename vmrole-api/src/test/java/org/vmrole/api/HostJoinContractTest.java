package org.vmrole.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.fabric.model.Host;

class HostJoinContractTest {
    @TempDir Path dir;
    ApiFixture fx;
    ServerSocket tunnel;
    final AtomicInteger dialled = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        fx = new ApiFixture(dir);
        tunnel = new ServerSocket();
        tunnel.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
        Thread.ofVirtual().start(() -> {
            while (!tunnel.isClosed()) {
                try (Socket s = tunnel.accept()) {
                    dialled.incrementAndGet();
                } catch (Exception e) {
                    return;
                }
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        tunnel.close();
        fx.close();
    }

    private ApiClient.Reply join(String token, String address, String networkAddress) throws Exception {
        String body = "{\"host\":\"host-b\",\"faultDomain\":1,\"capacity\":{\"cores\":2,\"memoryMiB\":4096,\"diskGiB\":100},"
                + "\"networkAddress\":" + (networkAddress == null ? "null" : "\"" + networkAddress + "\"")
                + ",\"address\":" + (address == null ? "null" : "\"" + address + "\"") + "}";
        return fx.client.call("POST", "/hostlink/v1/join", token, body);
    }

    @Test
    void a_host_joins_with_the_address_its_instances_are_reached_on() throws Exception {
        String token = fx.fabric.issueJoinToken("host-b");

        assertThat(join(token, "127.0.0.2", "127.0.0.2:" + tunnel.getLocalPort()).status()).isEqualTo(200);

        assertThat(fx.fabric.listHosts()).extracting(Host::endpointAddress).containsExactly("127.0.0.2");
        // the controller's dial completes in the kernel before the tunnel's thread accepts it: wait for that thread
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() -> assertThat(dialled).hasPositiveValue());
    }

    @Test
    void a_host_whose_address_the_controller_cannot_connect_to_is_refused_with_the_address_named() throws Exception {
        String token = fx.fabric.issueJoinToken("host-b");
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.3"))) {
            closed = s.getLocalPort();
        }

        ApiClient.Reply r = join(token, "127.0.0.3", "127.0.0.3:" + closed);

        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorCode()).isEqualTo("HostUnreachable");
        assertThat(r.body().path("error").path("message").asText()).contains("127.0.0.3").contains("--address");
        assertThat(fx.fabric.listHosts()).isEmpty();
    }

    @Test
    void a_wildcard_address_is_refused_with_the_reason() throws Exception {
        String token = fx.fabric.issueJoinToken("host-b");

        ApiClient.Reply r = join(token, "0.0.0.0", null);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body().path("error").path("message").asText()).contains("wildcard");
    }

    @Test
    void a_host_without_a_valid_join_token_makes_the_controller_dial_nothing() throws Exception {
        fx.fabric.issueJoinToken("host-b");

        ApiClient.Reply r = join("forged", "127.0.0.2", "127.0.0.2:" + tunnel.getLocalPort());

        assertThat(r.status()).isBetween(401, 403);
        assertThat(dialled).hasValue(0);
    }
}
