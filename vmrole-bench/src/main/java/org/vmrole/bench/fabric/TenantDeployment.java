package org.vmrole.bench.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.vmrole.server.cli.ApiClient;
import org.vmrole.server.cli.ImageUploader;

/** The demo service (two WebVM instances of the sample image) deployed through the management API, as a tenant would. */
final class TenantDeployment {
    static final String PATH = "/services/web/deployments/production";
    private static final HttpClient PROBE = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

    private final ApiClient admin;
    private final ApiClient tenant;
    private final String id;

    private TenantDeployment(ApiClient admin, ApiClient tenant, String id) {
        this.admin = admin;
        this.tenant = tenant;
        this.id = id;
    }

    /** Creates the subscription, its key and beta admission, uploads the image and deploys; does not wait for the VMs. */
    static TenantDeployment deploy(String apiUrl, String adminKey, Path image) throws IOException {
        ApiClient admin = new ApiClient(apiUrl, adminKey);
        admin.post("/subscriptions", Map.of("id", "contoso"));
        ApiClient tenant = new ApiClient(apiUrl, admin.post("/subscriptions/contoso/keys", Map.of()).get("key").asText());
        String request = tenant.post("/beta/programs/vm-role/requests", Map.of("reason", "benchmark")).get("id").asText();
        admin.post("/beta/requests/" + request + "/approve", Map.of());
        new ImageUploader(tenant, new PrintWriter(Writer.nullWriter())).upload(image, "sample-v1", null);
        tenant.post("/services", Map.of("name", "web"));
        tenant.post(PATH, Map.of("definition", demo("ServiceDefinition.csdef"), "configuration", demo("ServiceConfiguration.cscfg")));
        return new TenantDeployment(admin, tenant, tenant.get(PATH).path("id").asText());
    }

    String id() {
        return id;
    }

    ApiClient admin() {
        return admin;
    }

    /** The instance as the API shows it; a missing node until the controller has created it. */
    JsonNode instance(String name) {
        for (JsonNode i : tenant.get(PATH).path("instances")) {
            if (name.equals(i.path("instance").asText())) return i;
        }
        return MissingNode.getInstance();
    }

    /** Whether the instance's first endpoint, as its host reports it, answers HTTP 200 on 127.0.0.1 right now. */
    static boolean answersHttp(JsonNode instance) {
        int port = instance.path("endpoints").path(0).path("hostPort").asInt(0);
        if (port == 0) return false;
        try {
            HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofMillis(500)).build();
            return PROBE.send(get, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException notYet) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** @return milliseconds until both instances were ReadyRole */
    long awaitBothReady(long minutes) throws InterruptedException {
        long t0 = System.nanoTime(), deadline = t0 + TimeUnit.MINUTES.toNanos(minutes);
        while (System.nanoTime() < deadline) {
            if ("ReadyRole".equals(instance("WebVM_IN_0").path("state").asText()) && "ReadyRole".equals(instance("WebVM_IN_1").path("state").asText())) {
                return (System.nanoTime() - t0) / 1_000_000;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the two instances were not ReadyRole within " + minutes + " minutes: " + tenant.get(PATH));
    }

    /** Deletes the deployment so its hosts stop its VMs; a failure here is reported, not thrown, as this runs on the way out. */
    void deleteQuietly() {
        try {
            tenant.delete(PATH);
        } catch (RuntimeException e) {
            System.err.println("deleting the deployment failed: " + e.getMessage());
        }
    }

    private static String demo(String file) throws IOException {
        try (InputStream in = TenantDeployment.class.getResourceAsStream("/demo/" + file)) {
            if (in == null) throw new IllegalStateException("/demo/" + file + " is not on the classpath (vmrole-server's resources)");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
