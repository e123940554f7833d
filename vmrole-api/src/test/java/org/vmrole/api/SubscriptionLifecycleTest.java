package org.vmrole.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A subscription is deleted only once it owns nothing, and its id created again starts empty. */
class SubscriptionLifecycleTest {
    @TempDir Path dir;
    ApiFixture fx;
    ApiClient http;

    @BeforeEach
    void start() throws Exception {
        fx = new ApiFixture(dir);
        http = fx.client;
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    @Test
    void deleting_a_subscription_that_owns_anything_is_refused_naming_it_and_a_recreated_id_sees_nothing_old() throws Exception {
        String old = Samples.readyTenant(fx, dir, "contoso");
        var deployed = http.call("POST", "/services/web/deployments/production", old, Samples.deployBody(Samples.CSCFG));
        assertThat(deployed.status()).isEqualTo(202);
        String operation = deployed.body().path("id").asText();
        String upload = http.call("POST", "/images/uploads", old, "{\"name\":\"half\"}").body().path("uploadId").asText();

        var refused = http.call("DELETE", "/subscriptions/contoso", fx.admin, null);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.errorCode()).isEqualTo("SubscriptionNotEmpty");
        assertThat(refused.body().path("error").path("message").asText())
                .contains("service web").contains("deployment d-").contains("image web-v1").contains("upload " + upload);
        assertThat(http.call("GET", "/subscriptions", old, null).status()).as("the tenant's key still works").isEqualTo(200);

        assertThat(http.call("DELETE", "/services/web/deployments/production", old, null).status()).isEqualTo(202);
        assertThat(http.call("DELETE", "/services/web", old, null).status()).isEqualTo(204);
        assertThat(http.call("DELETE", "/images/uploads/" + upload, old, null).status()).isEqualTo(204);
        assertThat(http.call("DELETE", "/images/web-v1", old, null).status()).isIn(204, 409);
        var stopping = http.call("DELETE", "/subscriptions/contoso", fx.admin, null);
        if (stopping.status() == 409) assertThat(stopping.body().path("error").path("message").asText()).contains("still stopping");
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            fx.fabric.reconcileOnce();
            return fx.fabric.listDeployments().isEmpty();
        });
        http.call("DELETE", "/images/web-v1", old, null);
        assertThat(http.call("DELETE", "/subscriptions/contoso", fx.admin, null).status()).isEqualTo(204);
        assertThat(http.call("GET", "/subscriptions", old, null).status()).isEqualTo(401);

        String fresh = fx.subscriptionWithKey("contoso");
        assertThat(http.call("GET", "/services", fresh, null).body().path("services")).isEmpty();
        assertThat(http.call("GET", "/images", fresh, null).body().path("images")).isEmpty();
        assertThat(http.call("GET", "/beta/requests", fresh, null).body().path("requests")).isEmpty();
        assertThat(http.call("GET", "/operations/" + operation, fresh, null).status()).isEqualTo(404);
        assertThat(http.call("GET", "/images/uploads/" + upload, fresh, null).status()).isEqualTo(404);
        assertThat(http.call("GET", "/audit", fresh, null).body().path("entries").toString()).doesNotContain("deployment.create").doesNotContain("web-v1");
        assertThat(http.call("POST", "/services", fresh, "{\"name\":\"web\"}").status()).isEqualTo(201);
        assertThat(http.call("POST", "/services/web/deployments/production", fresh, Samples.deployBody(Samples.CSCFG)).errorCode())
                .as("the old tenant's beta admission is not inherited").isEqualTo("BetaProgramAdmissionRequired");
        assertThat(fx.fabric.listDeployments()).isEmpty();
    }

    @Test
    void another_tenants_deployment_of_an_identical_image_neither_blocks_a_delete_nor_shows_its_name() throws Exception {
        byte[] bytes = Samples.smallQcow2(dir);
        String contoso = fx.subscriptionWithKey("contoso");
        Samples.image(http, contoso, "web-v1", bytes);
        String fabrikam = Samples.readyTenant(fx, dir, "fabrikam");
        Samples.image(http, fabrikam, "same-bytes", bytes);
        assertThat(http.call("POST", "/services/web/deployments/production", fabrikam,
                Samples.deployBody(Samples.CSCFG.replace("web-v1", "same-bytes"))).status()).isEqualTo(202);

        var deleted = http.call("DELETE", "/images/web-v1", contoso, null);
        assertThat(deleted.status()).as(deleted.toString()).isEqualTo(204);
        var inUse = http.call("DELETE", "/images/same-bytes", fabrikam, null);
        assertThat(inUse.errorCode()).isEqualTo("ImageInUse");
        assertThat(inUse.body().path("error").path("message").asText()).contains("fabrikam/web");
    }
}
