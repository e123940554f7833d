package org.vmrole.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property-style: for every route in {@code /openapi.json}, generated bad bodies (null, wrong types, missing and extra
 * fields, huge strings, control characters, bad numbers), bad path parameters and wrong methods, as a tenant, as
 * the administrator and as a host with its join token. Every answer is below 500; every error has the documented JSON shape; a refused request
 * changes nothing in the store. Seeded: a failure prints its seed, and {@code -Dvmrole.seed=N} replays it exactly.
 */
class RouteFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int CASES_PER_ROUTE = Integer.getInteger("vmrole.fuzz.cases", 12);
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH");
    private static final List<String> BAD_PARAMETERS = List.of("..", "%2e%2e", "a%2Fb", "%0d%0aX-Injected:%201", "%00", "x".repeat(2000),
            "%E2%80%AEabc", "%ff%fe", "a%20b", "-", "A", "1e400", "null", "%25", "web%3F", "_", "0");
    private static final List<String> FIELDS = List.of("id", "displayName", "name", "label", "description", "reason", "note", "count", "domain",
            "definition", "configuration", "yaml", "mode", "image", "sha256", "cores", "instances", "images", "storageBytes", "host", "faultDomain",
            "capacity", "knownAssignmentsVersion", "endpoints", "networkAddress", "state", "key", "zzz", "", "__proto__");

    @TempDir Path dir;
    ApiFixture fx;
    ApiClient http;
    String tenant;
    String hostToken;
    Map<String, String> good;

    @BeforeEach
    void start() throws Exception {
        fx = new ApiFixture(dir);
        http = fx.client;
        tenant = Samples.readyTenant(fx, dir, "contoso");
        assertThat(http.call("POST", "/services/web/deployments/production", tenant, Samples.deployBody(Samples.CSCFG)).status()).isEqualTo(202);
        hostToken = http.call("POST", "/hosts/host-a/join-token", fx.admin, null).body().path("joinToken").asText();
        assertThat(http.call("POST", "/hostlink/v1/join", hostToken,
                "{\"host\":\"host-a\",\"faultDomain\":0,\"capacity\":{\"cores\":4,\"memoryMiB\":8192,\"diskGiB\":100}}").status()).isEqualTo(200);
        good = Map.of("subscription", "contoso", "service", "web", "slot", "production", "image", "web-v1", "host", "host-a",
                "role", "WebVM", "instance", "WebVM_IN_0", "program", "vm-role");
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    record Case(String method, String path, String caller, String body) {
        @Override
        public String toString() {
            return method + " " + path + " as " + caller + " with " + (body == null ? "no body" : body.length() > 300 ? body.substring(0, 300) + "..." : body);
        }
    }

    @Test
    void no_generated_request_gets_a_5xx_or_an_error_of_another_shape_or_changes_the_store_when_refused() throws Exception {
        long seed = Long.getLong("vmrole.seed", System.nanoTime());
        Random random = new Random(seed);
        JsonNode paths = http.call("GET", "/openapi.json", null, null).body().path("paths");
        int sent = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> route = it.next();
            List<String> own = new ArrayList<>();
            route.getValue().fieldNames().forEachRemaining(m -> own.add(m.toUpperCase(Locale.ROOT)));
            for (int i = 0; i < CASES_PER_ROUTE; i++) {
                Case c = generate(random, route.getKey(), own);
                check(c, seed);
                sent++;
            }
        }
        assertThat(sent).isGreaterThan(200);
        System.out.println("RouteFuzzTest: " + sent + " requests, seed " + seed + " (replay: -Dvmrole.seed=" + seed + ")");
    }

    private Case generate(Random random, String template, List<String> own) {
        // each case spoils one or more of: the method, a path parameter, the body; the caller is a tenant or the administrator
        boolean wrongMethod = random.nextInt(4) == 0;
        String method = wrongMethod ? METHODS.get(random.nextInt(METHODS.size())) : own.get(random.nextInt(own.size()));
        String caller = List.of("tenant", "administrator", "host").get(random.nextInt(3));
        boolean admin = caller.equals("administrator");
        StringBuilder path = new StringBuilder();
        for (String segment : template.substring(1).split("/")) {
            path.append('/');
            if (segment.startsWith("{")) {
                String name = segment.substring(1, segment.length() - 1);
                boolean bad = random.nextInt(3) == 0 || !good.containsKey(name);
                path.append(bad ? BAD_PARAMETERS.get(random.nextInt(BAD_PARAMETERS.size())) : good.get(name));
            } else {
                path.append(segment);
            }
        }
        if (admin && random.nextInt(3) > 0) path.append(random.nextBoolean() ? "?subscription=contoso" : "?subscription=" + BAD_PARAMETERS.get(random.nextInt(5)));
        return new Case(method, path.toString(), caller, body(random));
    }

    private static String body(Random random) {
        return switch (random.nextInt(10)) {
            case 0 -> null;
            case 1 -> "null";
            case 2 -> "{";
            case 3 -> random.nextBoolean() ? "[]" : "\"text\"";
            case 4 -> "{}";
            default -> object(random, 2).toString();
        };
    }

    private static ObjectNode object(Random random, int depth) {
        ObjectNode o = NODES.objectNode();
        int fields = 1 + random.nextInt(4);
        for (int i = 0; i < fields; i++) o.set(FIELDS.get(random.nextInt(FIELDS.size())), value(random, depth));
        return o;
    }

    private static JsonNode value(Random random, int depth) {
        return switch (random.nextInt(depth > 0 ? 14 : 12)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(1.5);
            case 3 -> NODES.numberNode(new java.math.BigDecimal("1e400"));
            case 4 -> NODES.numberNode(-1);
            case 5 -> NODES.numberNode(new java.math.BigInteger("99999999999999999999"));
            case 6 -> NODES.numberNode(2147483648L);
            case 7 -> NODES.textNode("x".repeat(100_000));
            case 8 -> NODES.textNode("a\u0000b\u001b[31m\r\nX-Injected: 1");
            case 9 -> NODES.textNode("\u202Egnp.exe");
            case 10 -> NODES.textNode("");
            case 11 -> NODES.textNode("web");
            case 12 -> object(random, depth - 1);
            default -> {
                ArrayNode a = NODES.arrayNode();
                a.add(value(random, depth - 1)).add(object(random, depth - 1));
                yield a;
            }
        };
    }

    private void check(Case c, long seed) throws Exception {
        long before = fx.store.revision();
        String key = switch (c.caller()) {
            case "administrator" -> fx.admin;
            case "host" -> hostToken;
            default -> tenant;
        };
        RawHttp.Answer reply;
        try {
            reply = RawHttp.call(fx.api.port(), c.method(), c.path(), key, c.body());
        } catch (java.io.IOException e) {
            throw new AssertionError("seed " + seed + ": " + c + " -> no answer: " + e, e);
        }
        String what = "seed " + seed + ": " + c + " -> " + reply.head() + "\n\n" + reply.body();
        assertThat(reply.status()).as(what).isLessThan(500);
        if (reply.status() >= 400) {
            assertThat(reply.header("Content-Type")).as(what).startsWith("application/json");
            JsonNode error = JSON.readTree(reply.body()).path("error");
            assertThat(error.path("code").isTextual() && error.path("message").isTextual() && error.has("target")).as(what).isTrue();
            assertThat(fx.store.revision()).as("a refused request changed the store; " + what).isEqualTo(before);
        }
    }

}
