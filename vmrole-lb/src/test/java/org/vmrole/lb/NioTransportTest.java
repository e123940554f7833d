package org.vmrole.lb;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Java NIO transport, used where epoll is not available, relays and balances the same way. */
class NioTransportTest {

    private final LoadBalancer lb = new LoadBalancer(Transport.nio(), 1);

    @AfterEach
    void tearDown() {
        lb.close();
    }

    @Test
    void balances_http_and_passes_tcp_bytes_untouched_over_nio() throws Exception {
        assertThat(lb.transport()).isEqualTo("nio");
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

    private static byte[] echoThrough(int port, byte[] payload) throws Exception {
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
