package org.vmrole.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OpenAPI document's request and answer schemas are the records the routes really read and write. */
class OpenApiSchemaTest {
    private static final Map<String, String> PARAMETERS = Map.ofEntries(Map.entry("{subscription}", "contoso"),
            Map.entry("{service}", "web"), Map.entry("{slot}", "production"), Map.entry("{role}", "WebVM"), Map.entry("{instance}", "WebVM_IN_0"),
            Map.entry("{program}", "vm-role"), Map.entry("{request}", "req-0"), Map.entry("{upload}", "u-0"), Map.entry("{host}", "host-a"),
            Map.entry("{account}", "contosodata"), Map.entry("{drive}", "data"));

    @TempDir Path dir;
    ApiFixture fx;
    JsonNode doc;

    @BeforeEach
    void start() throws Exception {
        fx = new ApiFixture(dir);
        fx.subscriptionWithKey("contoso");
        doc = fx.client.call("GET", "/openapi.json", null, null).body();
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    @Test
    void every_documented_request_body_is_what_the_route_reads_field_for_field() throws Exception {
        List<String> checked = new ArrayList<>();
        for (var path : (Iterable<Map.Entry<String, JsonNode>>) doc.path("paths")::fields) {
            for (var op : (Iterable<Map.Entry<String, JsonNode>>) path.getValue()::fields) {
                JsonNode schema = op.getValue().path("requestBody").path("content").path("application/json").path("schema");
                if (schema.isMissingNode()) continue;
                JsonNode record = doc.at("/components/schemas/" + schema.path("$ref").asText().substring("#/components/schemas/".length()));
                assertThat(record.path("additionalProperties").asBoolean(true)).isFalse();
                String url = path.getKey();
                for (var p : PARAMETERS.entrySet()) url = url.replace(p.getKey(), p.getValue());
                // the primitive fields a record cannot leave out, then one field no route takes
                var body = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
                record.path("properties").fields().forEachRemaining(f -> {
                    if (f.getValue().path("type").asText().equals("integer")) body.put(f.getKey(), 0);
                    if (f.getValue().path("type").asText().equals("boolean")) body.put(f.getKey(), false);
                });
                body.put("zzUnknown", 1);
                var reply = fx.client.call(op.getKey().toUpperCase(), url + "?subscription=contoso", fx.admin, body.toString());
                String what = op.getKey() + " " + path.getKey() + " -> " + reply.body();
                assertThat(reply.errorCode()).as(what).isEqualTo("InvalidJson");
                String message = reply.body().path("error").path("message").asText();
                record.path("properties").fieldNames().forEachRemaining(field -> assertThat(message).as(what).contains(field));
                checked.add(op.getKey() + " " + path.getKey());
            }
        }
        assertThat(checked).hasSizeGreaterThanOrEqualTo(14).contains("post /services", "put /subscriptions/{subscription}/limits", "post /hostlink/v1/heartbeat");
    }

    @Test
    void answers_name_their_records() {
        JsonNode created = doc.at("/paths/~1services~1{service}~1deployments~1{slot}/post/responses/202/content/application~1json/schema");
        assertThat(created.path("$ref").asText()).isEqualTo("#/components/schemas/Operation");
        assertThat(doc.at("/components/schemas/Operation/properties").has("status")).isTrue();
        JsonNode list = doc.at("/paths/~1services/get/responses/200/content/application~1json/schema/properties/services/items/$ref");
        assertThat(list.asText()).isEqualTo("#/components/schemas/HostedService");
    }
}
