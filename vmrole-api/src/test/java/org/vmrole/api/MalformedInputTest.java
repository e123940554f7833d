package org.vmrole.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bodies that are JSON but not what a route takes: each a 400 naming the field, never a 500 or a silent default. */
class MalformedInputTest {
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
    void a_body_of_json_null_is_refused_on_every_route_that_reads_a_body() throws Exception {
        String[][] calls = {
                {"POST", "/subscriptions", fx.admin}, {"PUT", "/subscriptions/contoso/limits", fx.admin},
                {"POST", "/subscriptions/contoso/keys", contoso}, {"POST", "/beta/programs", fx.admin},
                {"POST", "/beta/programs/vm-role/requests", contoso}, {"POST", "/images/uploads", contoso},
                {"POST", "/services", contoso}, {"POST", "/services/web/deployments/production", contoso},
                {"POST", "/services/web/deployments/production/roles/WebVM/scale", contoso},
                {"POST", "/services/web/deployments/production/upgrade/walk", contoso},
                {"POST", "/hostlink/v1/join", "token"}, {"POST", "/hostlink/v1/heartbeat", "token"}};
        for (String[] c : calls) {
            var reply = http.call(c[0], c[1], c[2], "null");
            assertThat(reply.status()).as(c[0] + " " + c[1]).isEqualTo(400);
            assertThat(reply.errorCode()).as(c[0] + " " + c[1]).isEqualTo("InvalidJson");
        }
    }

    @Test
    void numbers_are_taken_only_as_what_they_are() throws Exception {
        var fraction = http.call("POST", "/services/web/deployments/production/roles/WebVM/scale", contoso, "{\"count\":1.5}");
        assertThat(fraction.status()).isEqualTo(400);
        assertThat(fraction.body().path("error").path("target").asText()).isEqualTo("count");
        assertThat(fraction.body().path("error").path("message").asText()).contains("whole number");
        var numberAsName = http.call("POST", "/images/uploads", contoso, "{\"name\":1e400}");
        assertThat(numberAsName.status()).isEqualTo(400);
        assertThat(numberAsName.body().path("error").path("target").asText()).isEqualTo("name");
        assertThat(http.call("POST", "/services/web/deployments/production/roles/WebVM/scale", contoso, "{\"count\":\"3\"}").status()).isEqualTo(400);
        assertThat(http.call("GET", "/images", contoso, null).body().path("images")).isEmpty();
    }

    @Test
    void an_unknown_field_is_refused_and_named_with_the_fields_the_call_takes() throws Exception {
        var reply = http.call("POST", "/services", contoso, "{\"name\":\"web\",\"lable\":\"typo\"}");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.body().path("error").path("message").asText()).contains("'lable'").contains("label");
        assertThat(http.call("GET", "/services", contoso, null).body().path("services")).isEmpty();
    }

    @Test
    void a_put_of_limits_with_one_field_is_refused_and_changes_nothing() throws Exception {
        var reply = http.call("PUT", "/subscriptions/contoso/limits", fx.admin, "{\"cores\":4}");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.body().path("error").path("message").asText()).contains("instances").contains("images").contains("storageBytes");
        var limits = http.call("GET", "/subscriptions/contoso", fx.admin, null).body().path("limits");
        assertThat(limits.path("cores").asInt()).isEqualTo(20);
        assertThat(limits.path("instances").asInt()).isEqualTo(20);
        var all = http.call("PUT", "/subscriptions/contoso/limits", fx.admin, "{\"cores\":4,\"instances\":3,\"images\":2,\"storageBytes\":1000}");
        assertThat(all.status()).isEqualTo(200);
        assertThat(all.body().path("limits").path("cores").asInt()).isEqualTo(4);
    }

    @Test
    void a_heartbeat_with_an_empty_instance_is_refused_naming_the_instance() throws Exception {
        String token = http.call("POST", "/hosts/host-a/join-token", fx.admin, null).body().path("joinToken").asText();
        var reply = http.call("POST", "/hostlink/v1/heartbeat", token, "{\"host\":\"host-a\",\"knownAssignmentsVersion\":0,\"instances\":[{}]}");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.body().path("error").path("target").asText()).startsWith("instances[0]");
        var noState = http.call("POST", "/hostlink/v1/heartbeat", token, "{\"host\":\"host-a\",\"knownAssignmentsVersion\":0,\"instances\":"
                + "[{\"key\":\"d/WebVM_IN_0\",\"incarnation\":1,\"rebootGeneration\":0,\"sinceEpochMillis\":0}]}");
        assertThat(noState.status()).isEqualTo(400);
        assertThat(noState.body().path("error").path("target").asText()).isEqualTo("instances[0]");
    }

    @Test
    void a_wrong_method_is_405_with_the_methods_the_path_takes() throws Exception {
        var reply = http.raw("PATCH", "/subscriptions/contoso", fx.admin, "{}");
        assertThat(reply.status()).isEqualTo(405);
        assertThat(reply.header("Allow")).isEqualTo("DELETE, GET");
        assertThat(reply.body()).contains("\"code\":\"MethodNotAllowed\"");
        assertThat(http.call("PUT", "/services", contoso, "{}").status()).isEqualTo(405);
    }
}
