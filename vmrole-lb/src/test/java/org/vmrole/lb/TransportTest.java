package org.vmrole.lb;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * Every transport relays and balances the same way: Java NIO (where no native one loads), io_uring, and epoll with
 * busy polling (whose loop must still run probes, which are timers, between events).
 */
class TransportTest {

    @ParameterizedTest
    @ValueSource(strings = {"nio", "io_uring", "epoll+busy-poll-200us"})
    void balances_http_and_passes_tcp_bytes_untouched(String transport) throws Exception {
        assumeThat(transport.equals("nio") || (transport.startsWith("epoll") ? Epoll.isAvailable() : IoUring.isAvailable()))
                .as(transport + " loads on this machine").isTrue();
        try (LoadBalancer lb = transport.startsWith("epoll")
                ? LoadBalancer.start(1, "epoll", Duration.ofNanos(200_000)) : LoadBalancer.start(1, transport)) {
            assertThat(lb.transport()).isEqualTo(transport);
            balancesAndRelays(lb);
        }
    }

    private static void balancesAndRelays(LoadBalancer lb) throws Exception {
        try (HttpBackend a = new HttpBackend("a"); HttpBackend b = new HttpBackend("b"); EchoBackend echo = new EchoBackend()) {
            BackendPool web = lb.newPool("web", ProbeSpec.http("/health").withInterval(Duration.ofMillis(50)));
            web.setBackends(List.of(a.ready(), b.ready()));
            BackendPool raw = lb.newPool("raw", ProbeSpec.tcp().withInterval(Duration.ofMillis(50)));
            raw.setBackends(List.of(Backend.ready("echo", echo.address())));
            InputEndpoint http = lb.listen(EndpointSpec.http("http", 0).withForwardedFor(true), web);
            InputEndpoint tcp = lb.listen(EndpointSpec.tcp("raw", 0), raw);
            await().atMost(Duration.ofSeconds(10)).until(() -> web.inRotation().size() == 2 && raw.inRotation().size() == 1);

            assertThat(List.of(HttpClientSocket.get(http.port(), "/").body(), HttpClientSocket.get(http.port(), "/").body()))
                    .containsExactlyInAnyOrder("a", "b");
            byte[] payload = new byte[1 << 20];
            new Random(7).nextBytes(payload);
            assertThat(echoThrough(tcp.port(), payload)).isEqualTo(payload);
        }
    }

    /** Writes the payload to a TCP endpoint, half-closes, and reads back everything until the endpoint closes. */
    static byte[] echoThrough(int port, byte[] payload) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    socket.getOutputStream().write(payload);
                    socket.shutdownOutput();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            byte[] returned;
            try (InputStream in = socket.getInputStream()) {
                returned = in.readAllBytes();
            }
            writer.get(10, TimeUnit.SECONDS);
            return returned;
        }
    }
}
