package org.vmrole.server.cli;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ApiClientTest {
    private HttpServer api;
    private ApiClient client;

    /** An API that refuses every key, as the real one does: 401 with its error in the body. */
    @BeforeEach
    void startAnApiThatRefusesTheKey() throws IOException {
        api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        api.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"the key is unknown or revoked\"}}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(401, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        api.start();
        client = new ApiClient("http://127.0.0.1:" + api.getAddress().getPort(), "vmr_wrong");
    }

    @AfterEach
    void stop() {
        api.stop(0);
    }

    @Test
    void a_refused_key_is_reported_with_the_apis_own_message_whatever_the_method() {
        assertThatThrownBy(() -> client.get("/subscriptions")).hasMessage("the key is unknown or revoked [Unauthorized]");
        assertThatThrownBy(() -> client.post("/subscriptions", Map.of("id", "contoso"))).hasMessage("the key is unknown or revoked [Unauthorized]");
        assertThatThrownBy(() -> client.putBytes("/images/uploads/u1?offset=0", new byte[16], 16)).hasMessage("the key is unknown or revoked [Unauthorized]");
    }

    @Test
    void a_streamed_upload_whose_key_is_refused_says_so_and_how_to_fix_it() {
        ApiClient.Body file = new ApiClient.Body() {
            @Override public long length() { return 16; }

            @Override public void writeTo(OutputStream out) throws IOException { out.write(new byte[16]); }
        };
        assertThatThrownBy(() -> client.putStream("/images/uploads/u1?offset=0", file, Duration.ofSeconds(30)))
                .hasMessageContaining("401").hasMessageContaining("VMROLE_KEY");
    }
}
