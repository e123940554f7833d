package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.server.cli.ApiClient;

/**
 * Internal endpoints on real QEMU: the instances of a deployment, on two hosts, reach each other's internal endpoint
 * at the addresses their role environment lists; an instance of another deployment cannot; a scale-out reaches the
 * running instances' topology without restarting them; a restarted host agent reconnects the VMs it re-adopts.
 */
@Tag("vm")
class PrivateNetworkVmTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    @TempDir Path dir;
    EmbeddedPlatform platform;

    @AfterEach
    void stop() {
        if (platform != null) platform.close();
    }

    private static Map<String, String> body(int instances) throws Exception {
        String def = Files.readString(Path.of(PrivateNetworkVmTest.class.getResource("/demo/ServiceDefinition.csdef").toURI()))
                .replace("</Endpoints>", "  <InternalEndpoint name=\"Peer\" protocol=\"tcp\" port=\"8080\"/>\n    </Endpoints>");
        String cfg = Files.readString(Path.of(PrivateNetworkVmTest.class.getResource("/demo/ServiceConfiguration.cscfg").toURI()))
                .replace("count=\"2\"", "count=\"" + instances + "\"");
        return Map.of("definition", def, "configuration", cfg);
    }

    private static void awaitReady(ApiClient tenant, String service, int count) {
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode d = tenant.get("/services/" + service + "/deployments/production");
            assertThat(d.path("instances")).hasSize(count);
            for (JsonNode i : d.path("instances")) assertThat(i.path("state").asText()).isEqualTo("ReadyRole");
        });
    }

    /** GET on an instance's input endpoint, straight to its host's forwarded port (not through the balancer). */
    private static HttpResponse<String> onInstance(ApiClient tenant, String service, String instance, String path) throws Exception {
        JsonNode d = tenant.get("/services/" + service + "/deployments/production");
        for (JsonNode i : d.path("instances")) {
            if (i.path("instance").asText().equals(instance)) {
                int port = i.path("endpoints").path(0).path("hostPort").asInt();
                return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20)).build(),
                        HttpResponse.BodyHandlers.ofString());
            }
        }
        throw new AssertionError(instance + " is not in " + d);
    }

    @Test
    void instances_of_a_deployment_reach_each_other_on_their_private_network_and_no_other_deployment_does() throws Exception {
        platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(dir.resolve("data"), "127.0.0.1", 0, null, 2));
        ApiClient tenant = SampleTenant.create(new ApiClient(platform.apiUrl(), platform.firstAdministratorKey().orElseThrow()));
        tenant.post("/services", Map.of("name", "net"));
        tenant.post("/services", Map.of("name", "other"));
        tenant.post("/services/net/deployments/production", body(2));
        tenant.post("/services/other/deployments/production", body(1));
        awaitReady(tenant, "net", 2);
        awaitReady(tenant, "other", 1);
        JsonNode net = tenant.get("/services/net/deployments/production").path("instances");
        assertThat(net.path(0).path("host").asText()).as("the two instances run on different hosts").isNotEqualTo(net.path(1).path("host").asText());
        assertThat(java.util.List.of(net.path(0).path("privateAddress").asText(), net.path(1).path("privateAddress").asText()))
                .as("status shows each instance's private address").containsExactlyInAnyOrder("10.128.0.10", "10.128.0.11");

        assertThat(onInstance(tenant, "net", "WebVM_IN_0", "/peers").body())
                .contains("WebVM_IN_0 WebVM 10.128.0.10 Peer tcp 8080", "WebVM_IN_1 WebVM 10.128.0.11 Peer tcp 8080");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(onInstance(tenant, "net", "WebVM_IN_0", "/peer?address=10.128.0.11&port=8080").body()).contains("instance=WebVM_IN_1"));
        assertThat(onInstance(tenant, "net", "WebVM_IN_1", "/peer?address=10.128.0.10&port=8080").body()).contains("instance=WebVM_IN_0");

        HttpResponse<String> stranger = onInstance(tenant, "other", "WebVM_IN_0", "/peer?address=10.128.0.11&port=8080");
        assertThat(stranger.statusCode()).as(stranger.body()).isEqualTo(502);

        tenant.post("/services/net/deployments/production/roles/WebVM/scale", Map.of("count", 3));
        awaitReady(tenant, "net", 3);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(onInstance(tenant, "net", "WebVM_IN_0", "/peers").body()).contains("WebVM_IN_2 WebVM 10.128.0.12 Peer tcp 8080"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(onInstance(tenant, "net", "WebVM_IN_0", "/peer?address=10.128.0.12&port=8080").body()).contains("instance=WebVM_IN_2"));
        assertThat(onInstance(tenant, "net", "WebVM_IN_0", "/").body()).as("the topology arrived live").contains("incarnation=1");

        String hostOfOne = instanceHost(tenant, "WebVM_IN_1");
        platform.restartHost(hostOfOne);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(onInstance(tenant, "net", "WebVM_IN_0", "/peer?address=10.128.0.11&port=8080").body())
                        .as("after its host agent restarted, the re-adopted instance is reachable again")
                        .contains("instance=WebVM_IN_1 incarnation=1"));
        assertThat(instanceHost(tenant, "WebVM_IN_1")).isEqualTo(hostOfOne);
    }

    private static String instanceHost(ApiClient tenant, String instance) {
        for (JsonNode i : tenant.get("/services/net/deployments/production").path("instances")) {
            if (i.path("instance").asText().equals(instance)) return i.path("host").asText();
        }
        throw new AssertionError(instance + " is not deployed");
    }
}
