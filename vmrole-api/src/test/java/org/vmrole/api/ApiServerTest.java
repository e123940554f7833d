package org.vmrole.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.HandlerType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmrole.api.auth.Principal;
import org.vmrole.api.http.Access;
import org.vmrole.api.http.ApiServer;
import org.vmrole.api.http.Route;

class ApiServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "vmr_adminadminadminadminadminadminadmin";
    private static final String TENANT = "vmr_tenanttenanttenanttenanttenanttenant";
    private static ApiServer server;
    private static final HttpClient http = HttpClient.newHttpClient();

    record Echo(String name) {}

    @BeforeAll
    static void start() {
        var routes = List.of(
                new Route(HandlerType.GET, "/whoami", Access.TENANT, "Who am I", 200, (ctx, who) -> ctx.json(Map.of("actor", who.actor()))),
                new Route(HandlerType.POST, "/echo/{name}", Access.TENANT, "Echo", 201,
                        (ctx, who) -> ctx.status(201).json(ctx.bodyAsClass(Echo.class))),
                new Route(HandlerType.GET, "/admin-only", Access.ADMIN, "Admin", 200, (ctx, who) -> ctx.result("ok")));
        server = new ApiServer(JSON, secret -> switch (secret) {
            case ADMIN -> Optional.of(Principal.admin("admin"));
            case TENANT -> Optional.of(Principal.of("contoso", "k1"));
            default -> Optional.empty();
        }, routes).start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() { server.close(); }

    private static HttpResponse<String> call(String method, String path, String key, String body) throws Exception {
        var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode error(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).get("error");
    }

    @Test
    void every_served_route_is_in_the_openapi_document() throws Exception {
        JsonNode doc = JSON.readTree(call("GET", "/openapi.json", null, null).body());
        assertThat(doc.get("openapi").asText()).startsWith("3.");
        for (String served : server.servedRoutes()) {
            String[] mp = served.split(" ", 2);
            assertThat(doc.path("paths").path(mp[1]).has(mp[0].toLowerCase())).as(served).isTrue();
        }
        assertThat(server.servedRoutes()).hasSize(4);
    }

    @Test
    void a_call_without_a_key_is_refused_with_a_json_error_that_says_how_to_authenticate() throws Exception {
        var r = call("GET", "/whoami", null, null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(error(r).get("message").asText()).contains("Authorization: Bearer");
    }

    @Test
    void an_unknown_key_is_refused() throws Exception {
        assertThat(call("GET", "/whoami", "vmr_nopenopenopenopenopenopenopenope", null).statusCode()).isEqualTo(401);
    }

    @Test
    void a_tenant_key_cannot_call_an_administrator_route() throws Exception {
        var r = call("GET", "/admin-only", TENANT, null);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(error(r).get("code").asText()).isEqualTo("AdministratorOnly");
        assertThat(call("GET", "/admin-only", ADMIN, null).statusCode()).isEqualTo(200);
    }

    @Test
    void malformed_json_is_a_400_naming_the_body() throws Exception {
        var r = call("POST", "/echo/x", TENANT, "{not json");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r).get("code").asText()).isEqualTo("InvalidJson");
        assertThat(error(r).get("target").asText()).isEqualTo("body");
        assertThat(call("POST", "/echo/x", TENANT, "{\"name\":\"a\"}").statusCode()).isEqualTo(201);
    }

    @Test
    void an_unknown_route_is_a_json_404() throws Exception {
        var r = call("GET", "/nothing/here", TENANT, null);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(error(r).get("code").asText()).isEqualTo("NotFound");
    }
}
