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
    ExecutorService pool = Executors.newFixedThreadPool(3 * PARALLEL);

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
    void parallel_admission_requests_of_one_subscription_leave_one_pending() throws Exception {
        String key = fx.subscriptionWithKey("contoso");
        var replies = sameCall("POST", "/beta/programs/vm-role/requests", key, "{\"reason\":\"tests\"}");
        oneWinner(replies, 201);
        assertThat(replies).filteredOn(r -> r.status() == 409).extracting(ApiClient.Reply::errorCode).containsOnly("AdmissionRequestPending");
        assertThat(http.call("GET", "/beta/requests", key, null).body().path("requests")).hasSize(1);
    }

    @Test
    void the_same_service_created_at_once_has_one_winner() throws Exception {
        String key = fx.subscriptionWithKey("contoso");
        oneWinner(sameCall("POST", "/services", key, "{\"name\":\"web\"}"), 201);
    }

    @Test
    void the_same_image_name_committed_at_once_has_one_winner() throws Exception {
        String key = fx.subscriptionWithKey("contoso");
        byte[] bytes = Samples.smallQcow2(dir);
        List<String> uploads = new ArrayList<>();
        for (int i = 0; i < PARALLEL; i++) {
            String id = http.call("POST", "/images/uploads", key, "{\"name\":\"web-v1\"}").body().path("uploadId").asText();
            assertThat(http.send("PUT", "/images/uploads/" + id + "?offset=0", key, java.net.http.HttpRequest.BodyPublishers.ofByteArray(bytes)).status())
                    .isEqualTo(200);
            uploads.add(id);
        }
        String commit = "{\"sha256\":\"" + Samples.sha256(bytes) + "\"}";
        List<Callable<ApiClient.Reply>> calls = new ArrayList<>();
        for (String id : uploads) calls.add(() -> http.call("POST", "/images/uploads/" + id + "/commit", key, commit));
        var replies = atOnce(calls);
        oneWinner(replies, 201);
        assertThat(replies).filteredOn(r -> r.status() == 409).extracting(ApiClient.Reply::errorCode).containsOnly("ImageExists");
        assertThat(http.call("GET", "/images", key, null).body().path("images")).hasSize(1);
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

    @Test
    void parallel_scales_of_two_deployments_that_each_fit_but_not_together_are_counted_one_after_the_other() throws Exception {
        String key = Samples.readyTenant(fx, dir, "contoso");
        String body = Samples.deployBody(Samples.CSCFG);
        assertThat(http.call("POST", "/services/web/deployments/production", key, body).status()).isEqualTo(202);
        assertThat(http.call("POST", "/services/web/deployments/staging", key, body).status()).isEqualTo(202);
        // 4 cores held; room for 4 more: each scale to 6 takes 4
        assertThat(http.call("PUT", "/subscriptions/contoso/limits", fx.admin, "{\"cores\":8,\"instances\":20,\"images\":10,\"storageBytes\":1073741824}").status())
                .isEqualTo(200);
        var replies = atOnce(List.of(
                () -> http.call("POST", "/services/web/deployments/production/roles/WebVM/scale", key, "{\"count\":6}"),
                () -> http.call("POST", "/services/web/deployments/staging/roles/WebVM/scale", key, "{\"count\":6}")));
        assertThat(replies).extracting(ApiClient.Reply::status).as(replies.toString()).containsExactlyInAnyOrder(202, 409);
        assertThat(fx.api.deployments().usageOf("contoso").cores()).isEqualTo(8);
    }

    @RepeatedTest(5)
    void a_key_or_service_created_while_its_subscription_is_deleted_either_stops_the_delete_or_is_refused() throws Exception {
        assertThat(http.call("POST", "/subscriptions", fx.admin, "{\"id\":\"contoso\"}").status()).isEqualTo(201);
        var replies = atOnce(List.of(
                () -> http.call("POST", "/subscriptions/contoso/keys", fx.admin, "{\"description\":\"race\"}"),
                () -> http.call("POST", "/services?subscription=contoso", fx.admin, "{\"name\":\"web\"}"),
                () -> http.call("DELETE", "/subscriptions/contoso", fx.admin, null)));
        boolean deleted = replies.get(2).status() == 204;
        assertThat(replies).extracting(ApiClient.Reply::status).as(replies.toString()).allMatch(s -> s < 500);
        if (deleted) {
            assertThat(fx.store.list("/api/services/contoso/")).as(replies.toString()).isEmpty();
            assertThat(fx.store.list("/api/keys/")).as(replies.toString()).noneMatch(r -> r.value().contains("\"contoso\""));
        } else {
            assertThat(replies.get(2).errorCode()).isEqualTo("SubscriptionNotEmpty");
        }
    }

    @Test
    void many_different_services_created_at_once_by_one_tenant_all_succeed() throws Exception {
        String key = fx.subscriptionWithKey("contoso");
        List<Callable<ApiClient.Reply>> calls = new ArrayList<>();
        for (int i = 0; i < 3 * PARALLEL; i++) {
            String body = "{\"name\":\"web" + i + "\"}";
            calls.add(() -> http.call("POST", "/services", key, body));
        }
        var replies = atOnce(calls);
        assertThat(replies).extracting(ApiClient.Reply::status).as(replies.toString()).containsOnly(201);
        assertThat(http.call("GET", "/services", key, null).body().path("services")).hasSize(3 * PARALLEL);
    }
}
