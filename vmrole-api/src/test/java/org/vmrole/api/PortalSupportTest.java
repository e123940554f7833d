package org.vmrole.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.model.VmSize;
import org.junit.jupiter.api.io.TempDir;

/** What the Management Portal needs of the API: its own files under a strict CSP, whoami, usage against limits, recent operations. */
class PortalSupportTest {
    @TempDir Path dir;
    ApiFixture f;
    String contoso;
    String fabrikam;

    @BeforeEach
    void start() throws Exception {
        f = new ApiFixture(dir);
        contoso = f.subscriptionWithKey("contoso");
        fabrikam = f.subscriptionWithKey("fabrikam");
    }

    @AfterEach
    void stop() {
        f.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.api.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void serves_the_portal_page_and_its_modules_with_a_csp_that_forbids_inline_script() throws Exception {
        var page = get("/portal");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
                assertThat(csp).contains("default-src 'self'").contains("script-src 'self'").doesNotContain("unsafe-inline"));
        assertThat(page.body()).contains("<script type=\"module\" src=\"/portal/app.js\"></script>").doesNotContain("onclick");
        var module = get("/portal/app.js");
        assertThat(module.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/javascript"));
        assertThat(module.body()).doesNotContain("innerHTML");
    }

    @Test
    void refuses_a_file_outside_the_portal_folder() throws Exception {
        assertThat(get("/portal/..%2Fportal.css").statusCode()).as("refused by the HTTP layer or the portal").isIn(400, 404);
        assertThat(get("/portal/nothing.js").statusCode()).isEqualTo(404);
        assertThat(get("/portal/ApiServer.class").statusCode()).isEqualTo(404);
    }

    @Test
    void whoami_names_the_subscription_of_a_key_or_the_administrator() throws Exception {
        var tenant = f.client.call("GET", "/whoami", contoso, null).body();
        assertThat(tenant.get("administrator").asBoolean()).isFalse();
        assertThat(tenant.get("subscription").asText()).isEqualTo("contoso");
        assertThat(f.client.call("GET", "/whoami", f.admin, null).body().get("administrator").asBoolean()).isTrue();
        assertThat(f.client.call("GET", "/whoami", "vmr_unknown", null).status()).isEqualTo(401);
    }

    @Test
    void usage_is_shown_against_limits_to_its_own_subscription_only() throws Exception {
        f.client.call("PUT", "/subscriptions/contoso/limits", f.admin, "{\"cores\":4,\"instances\":3,\"images\":2,\"storageBytes\":1000}");
        var usage = f.client.call("GET", "/subscriptions/contoso/usage", contoso, null).body();
        assertThat(usage.at("/usage/cores").asInt()).isZero();
        assertThat(usage.at("/limits/cores").asInt()).isEqualTo(4);
        assertThat(usage.at("/limits/instances").asInt()).isEqualTo(3);
        assertThat(f.client.call("GET", "/subscriptions/contoso/usage", fabrikam, null).status()).isEqualTo(404);
    }

    @Test
    void recent_operations_are_the_callers_own_and_bounded() throws Exception {
        assertThat(f.client.call("GET", "/operations?limit=5", contoso, null).body().get("operations")).isEmpty();
        assertThat(f.client.call("GET", "/operations?limit=0", contoso, null).status()).isEqualTo(400);
    }

    @Test
    void operations_are_listed_a_page_at_a_time_newest_first_each_page_naming_the_next() throws Exception {
        List<String> started = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            started.add(f.fabric.createDeployment(new Deployment("d" + i, "contoso", "production", 5,
                    List.of(new RoleSpec("WebVM", VmSize.Small, 1, "sha256:0123", Map.of(), List.of(), List.of())), false)).id());
        }
        JsonNode first = f.client.call("GET", "/operations?limit=2", f.admin, null).body();
        assertThat(first.path("operations").findValuesAsText("id")).containsExactly(started.get(4), started.get(3));
        JsonNode second = f.client.call("GET", "/operations?limit=2&before=" + first.path("next").asText(), f.admin, null).body();
        assertThat(second.path("operations").findValuesAsText("id")).containsExactly(started.get(2), started.get(1));
        JsonNode last = f.client.call("GET", "/operations?limit=2&before=" + second.path("next").asText(), f.admin, null).body();
        assertThat(last.path("operations").findValuesAsText("id")).containsExactly(started.get(0));
        assertThat(last.has("next")).as("the last page names no next").isFalse();

        var gone = f.client.call("GET", "/operations?before=op-999999", f.admin, null);
        assertThat(gone.status()).isEqualTo(400);
        assertThat(gone.body().toString()).contains("before").contains("list from the newest");
    }
}
