package org.vmrole.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images, services, deployments and operations over real HTTP, with a real store, fabric and image repository (no hosts). */
class DeploymentContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CSDEF = Samples.CSDEF;
    private static final String CSCFG = Samples.CSCFG;

    @TempDir Path dir;
    ApiFixture fx;
    ApiClient http;
    String contoso;
    String fabrikam;

    @BeforeEach
    void start() throws Exception {
        fx = new ApiFixture(dir);
        http = fx.client;
        contoso = fx.subscriptionWithKey("contoso");
        fabrikam = fx.subscriptionWithKey("fabrikam");
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    private byte[] smallQcow2() throws Exception {
        return Samples.smallQcow2(dir);
    }

    private static String sha256(byte[] b) throws Exception {
        return Samples.sha256(b);
    }

    private String upload(String key, String name, byte[] bytes) throws Exception {
        var started = http.call("POST", "/images/uploads", key, "{\"name\":\"" + name + "\"}");
        assertThat(started.status()).isEqualTo(201);
        String id = started.body().get("uploadId").asText();
        int half = bytes.length / 2;
        var first = http.send("PUT", "/images/uploads/" + id + "?offset=0", key, HttpRequest.BodyPublishers.ofByteArray(Arrays.copyOf(bytes, half)));
        assertThat(first.body().get("received").asLong()).isEqualTo(half);
        assertThat(http.call("GET", "/images/uploads/" + id, key, null).body().get("received").asLong()).isEqualTo(half);
        var rest = http.send("PUT", "/images/uploads/" + id + "?offset=" + half, key,
                HttpRequest.BodyPublishers.ofByteArray(Arrays.copyOfRange(bytes, half, bytes.length)));
        assertThat(rest.body().get("received").asLong()).isEqualTo(bytes.length);
        return id;
    }

    private void admitToVmRole(String key) throws Exception {
        Samples.admitToVmRole(http, fx.admin, key);
    }

    private String deployBody(String cscfg) throws Exception {
        return Samples.deployBody(cscfg);
    }

    @Test
    void a_resumed_upload_with_the_right_digest_becomes_an_image_only_its_subscription_sees() throws Exception {
        byte[] image = smallQcow2();
        String id = upload(contoso, "web-v1", image);
        assertThat(http.call("GET", "/images/uploads/" + id, fabrikam, null).status()).isEqualTo(404);
        var committed = http.call("POST", "/images/uploads/" + id + "/commit", contoso, "{\"sha256\":\"" + sha256(image) + "\"}");
        assertThat(committed.status()).isEqualTo(201);
        assertThat(committed.body().get("digest").asText()).startsWith("sha256:");
        assertThat(http.call("GET", "/images", contoso, null).body().get("images")).hasSize(1);
        assertThat(http.call("GET", "/images", fabrikam, null).body().get("images")).isEmpty();
        assertThat(http.call("GET", "/images/web-v1", fabrikam, null).status()).isEqualTo(404);
    }

    @Test
    void a_chunk_at_the_wrong_offset_is_refused_with_the_offset_to_resume_from() throws Exception {
        var started = http.call("POST", "/images/uploads", contoso, "{\"name\":\"x\"}");
        String id = started.body().get("uploadId").asText();
        http.send("PUT", "/images/uploads/" + id + "?offset=0", contoso, HttpRequest.BodyPublishers.ofByteArray(new byte[100]));
        var wrong = http.send("PUT", "/images/uploads/" + id + "?offset=0", contoso, HttpRequest.BodyPublishers.ofByteArray(new byte[100]));
        assertThat(wrong.status()).isEqualTo(409);
        assertThat(wrong.body().path("error").path("message").asText()).contains("send from offset 100");
        var noOffset = http.send("PUT", "/images/uploads/" + id, contoso, HttpRequest.BodyPublishers.ofByteArray(new byte[1]));
        assertThat(noOffset.status()).isEqualTo(400);
    }

    @Test
    void a_digest_mismatch_keeps_nothing() throws Exception {
        byte[] image = smallQcow2();
        String id = upload(contoso, "web-v1", image);
        var r = http.call("POST", "/images/uploads/" + id + "/commit", contoso, "{\"sha256\":\"" + "0".repeat(64) + "\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body().path("error").path("message").asText()).contains("nothing was kept");
        assertThat(http.call("GET", "/images", contoso, null).body().get("images")).isEmpty();
    }

    @Test
    void deploying_needs_vm_role_admission_a_valid_service_and_an_uploaded_image() throws Exception {
        byte[] image = smallQcow2();
        String id = upload(contoso, "web-v1", image);
        http.call("POST", "/images/uploads/" + id + "/commit", contoso, "{\"sha256\":\"" + sha256(image) + "\"}");
        assertThat(http.call("POST", "/services", contoso, "{\"name\":\"web\"}").status()).isEqualTo(201);

        var early = http.call("POST", "/services/web/deployments/production", contoso, deployBody(CSCFG));
        assertThat(early.status()).isEqualTo(403);
        assertThat(early.errorCode()).isEqualTo("BetaProgramAdmissionRequired");

        admitToVmRole(contoso);
        var invalid = http.call("POST", "/services/web/deployments/production", contoso, deployBody(CSCFG.replace("count=\"2\"", "count=\"0\"")));
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.body().path("error").path("message").asText()).contains("ServiceConfiguration.cscfg:").contains("0");

        var unknownImage = http.call("POST", "/services/web/deployments/production", contoso, deployBody(CSCFG.replace("web-v1", "web-v9")));
        assertThat(unknownImage.status()).isEqualTo(400);
        assertThat(unknownImage.body().path("error").path("message").asText()).contains("web-v9");

        var badSlot = http.call("POST", "/services/web/deployments/preview", contoso, deployBody(CSCFG));
        assertThat(badSlot.errorCode()).isEqualTo("InvalidSlot");

        var ok = http.call("POST", "/services/web/deployments/production", contoso, deployBody(CSCFG));
        assertThat(ok.status()).isEqualTo(202);
        String op = ok.body().get("id").asText();
        assertThat(http.call("GET", "/operations/" + op, contoso, null).body().get("status").asText()).isEqualTo("InProgress");
        assertThat(http.call("GET", "/operations/" + op, fabrikam, null).status()).isEqualTo(404);

        fx.fabric.reconcileOnce();
        var shown = http.call("GET", "/services/web/deployments/production", contoso, null);
        assertThat(shown.status()).isEqualTo(200);
        assertThat(shown.body().get("instances")).hasSize(2);
        assertThat(shown.body().get("instances").get(0).get("waitingReason").asText()).isNotBlank();
        assertThat(http.call("GET", "/services/web/deployments/production", fabrikam, null).status()).isEqualTo(404);

        var busy = http.call("POST", "/services/web/deployments/production", contoso, deployBody(CSCFG));
        assertThat(busy.errorCode()).isEqualTo("SlotOccupied");
        assertThat(http.call("DELETE", "/images/web-v1", contoso, null).errorCode()).isEqualTo("ImageInUse");
        assertThat(http.call("DELETE", "/services/web", contoso, null).errorCode()).isEqualTo("ServiceHasDeployments");
    }

    @Test
    void scaling_past_the_subscription_limits_is_refused_and_a_deleted_deployment_leaves_its_slot_empty() throws Exception {
        byte[] image = smallQcow2();
        String id = upload(contoso, "web-v1", image);
        http.call("POST", "/images/uploads/" + id + "/commit", contoso, "{\"sha256\":\"" + sha256(image) + "\"}");
        http.call("POST", "/services", contoso, "{\"name\":\"web\"}");
        admitToVmRole(contoso);
        assertThat(http.call("POST", "/services/web/deployments/production", contoso, deployBody(CSCFG)).status()).isEqualTo(202);

        var tooMany = http.call("POST", "/services/web/deployments/production/roles/WebVM/scale", contoso, "{\"count\":50}");
        assertThat(tooMany.status()).isEqualTo(409);
        assertThat(tooMany.errorCode()).isEqualTo("QuotaExceeded");
        assertThat(http.call("POST", "/services/web/deployments/production/roles/NoSuchRole/scale", contoso, "{\"count\":3}").status()).isEqualTo(404);
        assertThat(http.call("POST", "/services/web/deployments/production/roles/WebVM/scale", contoso, "{\"count\":3}").status()).isEqualTo(202);
        assertThat(http.call("POST", "/services/web/deployments/production/instances/WebVM_IN_0/reimage", fabrikam, null).status()).isEqualTo(404);
        assertThat(http.call("POST", "/services/web/deployments/production/instances/Nope/reboot", contoso, null).status()).isEqualTo(400);

        var deleted = http.call("DELETE", "/services/web/deployments/production", contoso, null);
        assertThat(deleted.status()).isEqualTo(202);
        assertThat(http.call("GET", "/services/web/deployments/production", contoso, null).status()).isEqualTo(404);
        assertThat(http.call("GET", "/audit", contoso, null).body().toString()).contains("deployment.delete").contains("role.scale");
    }

    private String upgradeBody(Map<String, String> fields) throws Exception {
        return JSON.writeValueAsString(fields);
    }

    @Test
    void an_upgrade_takes_a_configuration_alone_walks_manually_when_asked_and_rolls_back() throws Exception {
        byte[] image = smallQcow2();
        for (String name : new String[] {"web-v1", "web-v2"}) {
            String id = upload(contoso, name, image);
            http.call("POST", "/images/uploads/" + id + "/commit", contoso, "{\"sha256\":\"" + sha256(image) + "\"}");
        }
        http.call("POST", "/services", contoso, "{\"name\":\"web\"}");
        admitToVmRole(contoso);
        assertThat(http.call("POST", "/services/web/deployments/production", contoso, deployBody(CSCFG)).status()).isEqualTo(202);
        fx.fabric.reconcileOnce();
        String upgrade = "/services/web/deployments/production/upgrade";
        String v2 = CSCFG.replace("web-v1", "web-v2");

        var badMode = http.call("POST", upgrade, contoso, upgradeBody(Map.of("configuration", v2, "mode", "sideways")));
        assertThat(badMode.errorCode()).isEqualTo("InvalidMode");
        var renamed = http.call("POST", upgrade, contoso, upgradeBody(Map.of("definition", CSDEF.replace("WebVM", "ApiVM"), "configuration", v2.replace("WebVM", "ApiVM"))));
        assertThat(renamed.errorCode()).isEqualTo("RoleMismatch");
        assertThat(renamed.body().path("error").path("message").asText()).contains("[ApiVM]").contains("[WebVM]");
        assertThat(http.call("POST", upgrade, contoso, upgradeBody(Map.of("configuration", CSCFG, "image", "web-v9"))).errorCode()).isEqualTo("ImageNotFound");
        var invalid = http.call("POST", upgrade, contoso, upgradeBody(Map.of("configuration", v2.replace("count=\"2\"", "count=\"0\""))));
        assertThat(invalid.errorCode()).isEqualTo("InvalidService");
        assertThat(http.call("POST", upgrade, fabrikam, upgradeBody(Map.of("configuration", v2))).status()).isEqualTo(404);

        var started = http.call("POST", upgrade, contoso, upgradeBody(Map.of("configuration", v2, "mode", "manual")));
        assertThat(started.status()).isEqualTo(202);
        assertThat(started.body().get("kind").asText()).isEqualTo("UpgradeDeployment");
        fx.fabric.reconcileOnce();
        assertThat(http.call("GET", "/operations/" + started.body().get("id").asText(), contoso, null).body().get("progress").asText())
                .contains("walk update domain 0 next");
        var shown = http.call("GET", "/services/web/deployments/production", contoso, null).body();
        assertThat(shown.path("version").asInt()).isEqualTo(1);
        assertThat(shown.path("upgrade").path("targetVersion").asInt()).isEqualTo(2);
        assertThat(shown.path("upgrade").path("mode").asText()).isEqualTo("manual");
        assertThat(shown.path("upgrade").path("state").asText()).isEqualTo("Waiting");

        assertThat(http.call("POST", upgrade + "/walk", contoso, "{}").errorCode()).isEqualTo("MissingField");
        var outOfOrder = http.call("POST", upgrade + "/walk", contoso, "{\"domain\":1}");
        assertThat(outOfOrder.status()).isEqualTo(400);
        assertThat(outOfOrder.body().path("error").path("message").asText()).contains("next is 0");
        assertThat(http.call("POST", upgrade + "/walk", contoso, "{\"domain\":0}").status()).isEqualTo(202);
        fx.fabric.reconcileOnce();
        var walking = http.call("GET", "/services/web/deployments/production", contoso, null).body().path("upgrade");
        assertThat(walking.path("state").asText()).isEqualTo("Walking");
        assertThat(walking.path("currentDomain").asInt()).isZero();
        assertThat(http.call("POST", upgrade, contoso, upgradeBody(Map.of("configuration", v2))).status()).isEqualTo(409);

        var back = http.call("POST", upgrade + "/rollback", contoso, null);
        assertThat(back.status()).isEqualTo(202);
        assertThat(back.body().get("kind").asText()).isEqualTo("RollbackUpgrade");
        fx.fabric.reconcileOnce();
        var rolling = http.call("GET", "/services/web/deployments/production", contoso, null).body().path("upgrade");
        assertThat(rolling.path("rollback").asBoolean()).isTrue();
        assertThat(rolling.path("targetVersion").asInt()).isEqualTo(1);
        assertThat(http.call("GET", "/audit", contoso, null).body().toString()).contains("deployment.upgrade").contains("deployment.walk").contains("deployment.rollback");
    }

    @Test
    void service_routes_without_a_key_are_unauthorized() throws Exception {
        assertThat(http.call("GET", "/services", null, null).status()).isEqualTo(401);
        assertThat(http.call("POST", "/images/uploads", null, "{}").status()).isEqualTo(401);
        assertThat(http.call("GET", "/operations/op-1", null, null).status()).isEqualTo(401);
    }

    @Test
    void the_administrator_must_say_which_subscription_it_acts_for() throws Exception {
        assertThat(http.call("GET", "/services", fx.admin, null).errorCode()).isEqualTo("SubscriptionRequired");
        assertThat(http.call("GET", "/services?subscription=contoso", fx.admin, null).status()).isEqualTo(200);
    }

    @Test
    void every_route_of_the_api_is_in_the_openapi_document_and_refuses_a_call_without_a_key() throws Exception {
        var doc = http.call("GET", "/openapi.json", null, null).body();
        for (String served : fx.api.server().servedRoutes()) {
            String[] mp = served.split(" ", 2);
            var op = doc.path("paths").path(mp[1]).path(mp[0].toLowerCase());
            assertThat(op.isMissingNode()).as(served + " is in /openapi.json").isFalse();
            if (op.has("security") && op.toString().contains("bearer")) {
                String path = mp[1].replaceAll("\\{[^}]+}", "x");
                assertThat(http.call(mp[0], path, null, null).status()).as(served + " without a key").isEqualTo(401);
            }
        }
        assertThat(fx.api.server().servedRoutes()).hasSizeGreaterThan(30);
    }

    @Test
    void metrics_are_for_the_administrator_and_count_instances_by_state_and_uploaded_bytes() throws Exception {
        byte[] image = smallQcow2();
        upload(contoso, "web-v1", image);
        assertThat(http.call("GET", "/metrics", contoso, null).status()).isEqualTo(403);
        var m = http.call("GET", "/metrics", fx.admin, null);
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.body().asText()).contains("vmrole_instances{state=\"ReadyRole\"}").contains("vmrole_image_upload_bytes_total " + image.length + ".0");
    }

    @Test
    void image_count_and_storage_limits_are_enforced_with_a_clear_error() throws Exception {
        var limited = http.call("PUT", "/subscriptions/contoso/limits", fx.admin, "{\"cores\":4,\"instances\":4,\"images\":1,\"storageBytes\":1000000}");
        assertThat(limited.status()).isEqualTo(200);
        assertThat(http.call("PUT", "/subscriptions/contoso/limits", contoso, "{\"cores\":99,\"instances\":99,\"images\":99,\"storageBytes\":1}").status())
                .isEqualTo(403);
        byte[] image = smallQcow2();
        String id = upload(contoso, "web-v1", image);
        http.call("POST", "/images/uploads/" + id + "/commit", contoso, "{\"sha256\":\"" + sha256(image) + "\"}");
        var second = http.call("POST", "/images/uploads", contoso, "{\"name\":\"web-v2\"}");
        assertThat(second.status()).isEqualTo(409);
        assertThat(second.errorCode()).isEqualTo("QuotaExceeded");
        assertThat(second.body().path("error").path("message").asText()).contains("images 2 > 1");
    }

    @Test
    void an_upload_streaming_past_the_storage_limit_is_refused_and_keeps_no_more_than_the_limit() throws Exception {
        assertThat(http.call("PUT", "/subscriptions/contoso/limits", fx.admin, "{\"cores\":4,\"instances\":4,\"images\":5,\"storageBytes\":100000}").status())
                .isEqualTo(200);
        byte[] image = smallQcow2();
        String id = http.call("POST", "/images/uploads", contoso, "{\"name\":\"big\"}").body().get("uploadId").asText();
        var whole = http.send("PUT", "/images/uploads/" + id + "?offset=0", contoso, HttpRequest.BodyPublishers.ofByteArray(image));
        assertThat(whole.status()).isEqualTo(409);
        assertThat(whole.errorCode()).isEqualTo("QuotaExceeded");
        assertThat(whole.body().path("error").path("message").asText()).contains("storage");
        assertThat(http.call("GET", "/images/uploads/" + id, contoso, null).body().get("received").asLong()).isLessThanOrEqualTo(100000);
    }
}
