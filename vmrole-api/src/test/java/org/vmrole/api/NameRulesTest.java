package org.vmrole.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of name is checked at the edge with its rule in the error, and nothing is stored under a bad one. */
class NameRulesTest {
    @TempDir Path dir;
    ApiFixture fx;
    ApiClient http;
    String contoso;

    @BeforeEach
    void start() throws Exception {
        fx = new ApiFixture(dir);
        http = fx.client;
        contoso = fx.subscriptionWithKey("contoso");
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    @Test
    void the_administrator_cannot_create_a_service_under_a_subscription_that_does_not_exist() throws Exception {
        assertThat(http.call("POST", "/services?subscription=nosuch", fx.admin, "{\"name\":\"web\"}").errorCode()).isEqualTo("SubscriptionNotFound");
        for (String bad : new String[] {"..", "../x", "x%00", "a".repeat(2000), "x%0d%0aX-Injected:%201"}) {
            var reply = http.call("POST", "/services?subscription=" + bad, fx.admin, "{\"name\":\"web\"}");
            assertThat(reply.status()).as(bad).isEqualTo(400);
            assertThat(reply.body().path("error").path("message").asText()).as(bad).contains("must be 3-40 characters");
        }
        assertThat(fx.store.list("/api/services/")).isEmpty();
    }

    @Test
    void host_names_with_dots_only_line_breaks_or_3000_characters_are_refused_with_the_rule() throws Exception {
        for (String bad : new String[] {"..", "%0d%0aX-Injected:%201", "h".repeat(3000), "a%20b"}) {
            for (String action : new String[] {"join-token", "drain", "revoke"}) {
                var reply = http.call("POST", "/hosts/" + bad + "/" + action, fx.admin, null);
                assertThat(reply.status()).as(bad + " " + action).isIn(400, 404);
                assertThat(reply.body().path("error").path("code").asText()).as(bad + " " + action).isIn("InvalidHostName", "NotFound");
                assertThat(reply.body().toString()).doesNotContain("\r\n");
            }
        }
        var crlf = http.call("POST", "/hosts/%0d%0aX-Injected:%201/revoke", fx.admin, null);
        assertThat(crlf.errorCode()).isEqualTo("InvalidHostName");
        assertThat(crlf.body().path("error").path("message").asText()).contains("\\u000d\\u000a").contains("1-63 characters");
        assertThat(http.call("POST", "/hosts/host-a.example/join-token", fx.admin, null).status()).isEqualTo(201);
    }

    @Test
    void a_key_description_is_short_printable_text() throws Exception {
        var huge = http.call("POST", "/subscriptions/contoso/keys", contoso, "{\"description\":\"" + "x".repeat(900_000) + "\"}");
        assertThat(huge.errorCode()).isEqualTo("InvalidText");
        var rtl = http.call("POST", "/subscriptions/contoso/keys", contoso, "{\"description\":\"abc\\u202Egnp.exe\"}");
        assertThat(rtl.errorCode()).isEqualTo("InvalidText");
        assertThat(rtl.body().path("error").path("message").asText()).contains("U+202E");
        var newline = http.call("POST", "/subscriptions/contoso/keys", contoso, "{\"description\":\"a\\nb\"}");
        assertThat(newline.errorCode()).isEqualTo("InvalidText");
        assertThat(http.call("GET", "/subscriptions/contoso/keys", contoso, null).body().path("keys")).hasSize(1);
        assertThat(http.call("POST", "/subscriptions/contoso/keys", contoso, "{\"description\":\"ci déploiement 🚀\"}").status()).isEqualTo(201);
    }

    @Test
    void service_and_image_names_follow_their_rules() throws Exception {
        assertThat(http.call("POST", "/services", contoso, "{\"name\":\"../x\"}").errorCode()).isEqualTo("InvalidServiceName");
        assertThat(http.call("POST", "/images/uploads", contoso, "{\"name\":\"..\"}").errorCode()).isEqualTo("InvalidImageName");
        assertThat(http.call("GET", "/images/a%0ab", contoso, null).errorCode()).isEqualTo("InvalidImageName");
        assertThat(http.call("GET", "/services/UPPER", contoso, null).errorCode()).isEqualTo("InvalidServiceName");
    }
}
