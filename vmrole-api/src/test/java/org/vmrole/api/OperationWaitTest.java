package org.vmrole.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ?wait=} long polls park as futures, not threads, and answer as soon as the operation finishes. */
class OperationWaitTest {
    @TempDir Path dir;
    ApiFixture fx;
    String key;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        fx = new ApiFixture(dir);
        key = Samples.readyTenant(fx, dir, "contoso");
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    private CompletableFuture<HttpResponse<String>> waitFor(String operation, int seconds) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fx.api.port() + "/operations/" + operation + "?wait=" + seconds))
                .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void many_waiting_clients_park_as_futures_and_all_answer_when_the_operation_finishes() throws Exception {
        fx.client.call("POST", "/services/web/deployments/production", key, Samples.deployBody(Samples.CSCFG));
        String delete = fx.client.call("DELETE", "/services/web/deployments/production", key, null).body().path("id").asText();
        List<CompletableFuture<HttpResponse<String>>> waits = new ArrayList<>();
        for (int i = 0; i < 300; i++) waits.add(waitFor(delete, 120));
        await().atMost(Duration.ofSeconds(30)).until(() -> fx.api.operationWaits().waiting() == 300);
        assertThat(waits).noneMatch(CompletableFuture::isDone);

        await().atMost(Duration.ofSeconds(30)).until(() -> {
            fx.fabric.reconcileOnce();
            return fx.fabric.getOperation(delete).map(op -> !op.inProgress()).orElse(false);
        });
        for (var w : waits) {
            HttpResponse<String> r = w.get();
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"status\":\"Succeeded\"");
        }
        assertThat(fx.api.operationWaits().waiting()).isZero();
    }

    @Test
    void a_wait_that_runs_out_answers_the_operation_as_it_is() throws Exception {
        String create = fx.client.call("POST", "/services/web/deployments/production", key, Samples.deployBody(Samples.CSCFG)).body().path("id").asText();
        HttpResponse<String> r = waitFor(create, 1).get();
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"status\":\"InProgress\"");
        assertThat(fx.api.operationWaits().waiting()).isZero();
    }
}
