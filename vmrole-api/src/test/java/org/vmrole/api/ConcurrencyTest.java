package org.vmrole.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.fabric.model.Deployment;

/** Parallel writes of one thing: exactly one winner, 409 for the rest, nothing left behind, the quota exact. */
class ConcurrencyTest {
    static final int PARALLEL = 8;

    @TempDir Path dir;
    ApiFixture fx;
    ApiClient http;
    ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);

    @BeforeEach
    void start() throws Exception {
        fx = new ApiFixture(dir);
        http = fx.client;
    }

    @AfterEach
    void stop() throws Exception {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        fx.close();
    }

    /** Runs the calls at once (released together) and answers their replies in order. */
    private List<ApiClient.Reply> atOnce(List<Callable<ApiClient.Reply>> calls) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<ApiClient.Reply>> replies = new ArrayList<>();
        for (Callable<ApiClient.Reply> c : calls) {
            replies.add(pool.submit(() -> {
                go.await();
                return c.call();
            }));
        }
        go.countDown();
        List<ApiClient.Reply> out = new ArrayList<>();
        for (Future<ApiClient.Reply> f : replies) out.add(f.get(60, TimeUnit.SECONDS));
        return out;
    }

    private List<ApiClient.Reply> sameCall(String method, String path, String key, String body) throws Exception {
        List<Callable<ApiClient.Reply>> calls = new ArrayList<>();
        for (int i = 0; i < PARALLEL; i++) calls.add(() -> http.call(method, path, key, body));
        return atOnce(calls);
    }

    private static void oneWinner(List<ApiClient.Reply> replies, int success) {
        assertThat(replies).extracting(ApiClient.Reply::status).as(replies.toString()).containsOnly(success, 409);
        assertThat(replies).filteredOn(r -> r.status() == success).hasSize(1);
        assertThat(replies).filteredOn(r -> r.status() == 409).allSatisfy(r -> assertThat(r.body().path("error").path("target").isMissingNode()).isFalse());
    }

    @Test
    void the_same_subscription_created_at_once_has_one_winner() throws Exception {
        oneWinner(sameCall("POST", "/subscriptions", fx.admin, "{\"id\":\"contoso\"}"), 201);
        assertThat(fx.store.list("/api/subscriptions/")).hasSize(1);
    }

    @Test
    void the_same_beta_program_defined_at_once_has_one_winner() throws Exception {
        oneWinner(sameCall("POST", "/beta/programs", fx.admin, "{\"name\":\"gpu\",\"description\":\"GPUs\"}"), 201);
        assertThat(fx.store.list("/api/beta/programs/gpu")).hasSize(1);
    }

    @Test
    void the_same_service_created_at_once_has_one_winner() throws Exception {
        String key = fx.subscriptionWithKey("contoso");
        oneWinner(sameCall("POST", "/services", key, "{\"name\":\"web\"}"), 201);
    }

    @RepeatedTest(3)
    void parallel_deploys_into_one_slot_leave_one_deployment_and_no_orphan() throws Exception {
        String key = Samples.readyTenant(fx, dir, "contoso");
        oneWinner(sameCall("POST", "/services/web/deployments/production", key, Samples.deployBody(Samples.CSCFG)), 202);
        List<Deployment> inFabric = fx.fabric.listDeployments();
        assertThat(inFabric).hasSize(1);
        assertThat(fx.store.list("deployments/")).hasSize(1);
        String slot = http.call("GET", "/services/web", key, null).body().path("deployments").path("production").asText();
        assertThat(slot).isEqualTo(inFabric.getFirst().id());
        assertThat(fx.api.deployments().usageOf("contoso")).isEqualTo(new org.vmrole.api.tenancy.Usage(2, 2, 0, 0));
    }

    @RepeatedTest(3)
    void deploys_into_production_and_staging_at_once_both_succeed() throws Exception {
        String key = Samples.readyTenant(fx, dir, "contoso");
        String body = Samples.deployBody(Samples.CSCFG);
        var replies = atOnce(List.of(() -> http.call("POST", "/services/web/deployments/production", key, body),
                () -> http.call("POST", "/services/web/deployments/staging", key, body)));
        assertThat(replies).extracting(ApiClient.Reply::status).as(replies.toString()).containsExactly(202, 202);
        var slots = http.call("GET", "/services/web", key, null).body().path("deployments");
        assertThat(slots.path("production").asText()).isNotEqualTo(slots.path("staging").asText());
        assertThat(fx.fabric.listDeployments()).hasSize(2);
    }

    @Test
    void parallel_deploys_that_fit_the_quota_only_one_at_a_time_are_counted_one_after_the_other() throws Exception {
        String key = Samples.readyTenant(fx, dir, "contoso");
        for (int i = 1; i < PARALLEL; i++) assertThat(http.call("POST", "/services", key, "{\"name\":\"web" + i + "\"}").status()).isEqualTo(201);
        // room for three deployments of two one-core instances
        assertThat(http.call("PUT", "/subscriptions/contoso/limits", fx.admin, "{\"cores\":6,\"instances\":20,\"images\":10,\"storageBytes\":1073741824}").status())
                .isEqualTo(200);
        String body = Samples.deployBody(Samples.CSCFG);
        List<Callable<ApiClient.Reply>> calls = new ArrayList<>();
        for (int i = 0; i < PARALLEL; i++) {
            String service = i == 0 ? "web" : "web" + i;
            calls.add(() -> http.call("POST", "/services/" + service + "/deployments/production", key, body));
        }
        var replies = atOnce(calls);
        assertThat(replies).filteredOn(r -> r.status() == 202).hasSize(3);
        assertThat(replies).filteredOn(r -> r.status() != 202).extracting(ApiClient.Reply::errorCode).containsOnly("QuotaExceeded");
        assertThat(fx.api.deployments().usageOf("contoso").cores()).isEqualTo(6);
        assertThat(fx.fabric.listDeployments()).hasSize(3);
    }
}
