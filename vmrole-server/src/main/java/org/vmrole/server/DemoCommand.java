package org.vmrole.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.vmrole.guest.image.SampleImage;
import org.vmrole.server.cli.ApiClient;
import org.vmrole.server.cli.ImageUploader;
import org.vmrole.server.cli.OperationWait;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vmrole demo}: the whole platform on this machine with a sample deployment. Starts the embedded platform
 * with two hosts, admits a subscription to the VM Role beta, uploads the sample image through the API, deploys a
 * two-instance role, waits until both are ready, shows them answering, and runs until Ctrl-C (which stops every VM).
 */
@Command(name = "demo", description = "Run the platform on 127.0.0.1 with a two-instance sample deployment (Ctrl-C stops it all).")
public final class DemoCommand implements Callable<Integer> {
    private static final String SUBSCRIPTION = "demo";
    private static final String SERVICE = "hello";

    @Option(names = "--data", description = "data directory (default: a new temporary one, removed at exit)")
    Path data;

    @Option(names = "--port", description = "API port (default: ${DEFAULT-VALUE}; 0 picks a free one)", defaultValue = "8080")
    int port;

    @Option(names = "--exit-when-ready", description = "stop everything once the deployment answers (for scripts and tests)")
    boolean exitWhenReady;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        boolean temporary = data == null;
        Path dir = temporary ? Files.createTempDirectory("vmrole-demo-") : data;
        step(out, "building (or reusing) the sample image from Debian packages");
        Path image = SampleImage.ensure();
        step(out, "starting the platform: store, fabric controller, management API, load balancer, storage service and 2 hosts (fault domains 0 and 1), data in " + dir);
        EmbeddedPlatform platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(dir, "127.0.0.1", port, null, 2, true)
                .withForwarding(EmbeddedPlatform.LbForwarding.AUTO));
        StopSignal stop = StopSignal.onStop("vmrole-demo-shutdown", () -> {
            out.println();
            out.println("vmrole demo: stopping every VM and the platform");
            out.flush();
            platform.close();
            if (temporary) deleteTree(dir);
        });
        String admin = platform.firstAdministratorKey().orElseThrow(() -> new IllegalStateException("the data directory " + dir
                + " already has an administrator; give the demo a new --data directory"));
        ApiClient asAdmin = new ApiClient(platform.apiUrl(), admin);

        step(out, "creating subscription '" + SUBSCRIPTION + "' and admitting it to the vm-role beta program");
        asAdmin.post("/subscriptions", Map.of("id", SUBSCRIPTION, "displayName", "Demo subscription"));
        String tenantKey = asAdmin.post("/subscriptions/" + SUBSCRIPTION + "/keys", Map.of("description", "demo")).get("key").asText();
        ApiClient asTenant = new ApiClient(platform.apiUrl(), tenantKey);
        String request = asTenant.post("/beta/programs/vm-role/requests", Map.of("reason", "the demo")).get("id").asText();
        asAdmin.post("/beta/requests/" + request + "/approve", Map.of("note", "welcome"));

        step(out, "uploading the sample image through the API");
        new ImageUploader(asTenant, out).upload(image, "sample-v1", null);

        step(out, "deploying service '" + SERVICE + "': role WebVM, 2 ExtraSmall instances, HTTP on port 80");
        asTenant.post("/services", Map.of("name", SERVICE));
        JsonNode op = asTenant.post("/services/" + SERVICE + "/deployments/production", Map.of(
                "definition", resource("demo/ServiceDefinition.csdef"), "configuration", resource("demo/ServiceConfiguration.cscfg"),
                "definitionName", "ServiceDefinition.csdef", "configurationName", "ServiceConfiguration.cscfg"));
        int result = OperationWait.follow(asTenant, op.get("id").asText(), out, 600);
        if (result != 0) return result;

        JsonNode deployment = waitForRotation(asTenant, out);
        List<String> urls = new ArrayList<>();
        out.println();
        for (JsonNode i : deployment.path("instances")) {
            String url = "http://127.0.0.1:" + i.path("endpoints").path(0).path("hostPort").asInt() + "/";
            urls.add(url);
            out.println(String.format("  %-11s %-10s host %-7s FD %s UD %s  %s -> %s", i.path("instance").asText(), i.path("state").asText(),
                    i.path("host").asText(), i.path("faultDomain").asText(), i.path("updateDomain").asText(), url, get(url)));
        }
        String lbUrl = "http://" + deployment.path("loadBalancer").path(0).path("address").asText() + "/";
        out.println();
        out.println("  through the load balancer, " + lbUrl + ":");
        for (int n = 0; n < 4; n++) out.println("    " + get(lbUrl));
        out.println();
        out.println("vmrole is running.");
        out.println("  API:                 " + platform.apiUrl() + "   (OpenAPI: " + platform.apiUrl() + "/openapi.json)");
        out.println("  administrator key:   " + admin);
        out.println("  subscription 'demo': " + tenantKey);
        out.println("  service endpoint:    " + lbUrl + "   (load-balanced over " + String.join(", ", urls) + ")");
        out.println("  load balancer:       " + (platform.loadBalancer().forwardsInKernel()
                ? "forwards this machine's connections in the kernel (nftables table " + platform.loadBalancer().forwardingTable() + ")"
                : "forwards through this process (kernel forwarding needs root and nft)"));
        platform.storage().ifPresent(st -> out.printf("  storage:             blob http://127.0.0.1:%d/devstoreaccount1  queue :%d  table :%d"
                + "  (Azure SDKs: UseDevelopmentStorage=true)%n", st.blobPort(), st.queuePort(), st.tablePort()));
        out.println("try, in another terminal:");
        out.println("  export VMROLE_URL=" + platform.apiUrl() + " VMROLE_KEY=" + tenantKey);
        out.println("  ./vmrole status " + SERVICE);
        out.println("  ./vmrole reimage " + SERVICE + " WebVM_IN_0 --wait");
        out.println("  ./vmrole scale " + SERVICE + " WebVM 3 --wait");
        out.println("  ./vmrole logs " + SERVICE + " WebVM_IN_1");
        out.println("  VMROLE_KEY=" + admin + " ./vmrole host list");
        out.println("Ctrl-C stops everything and leaves no VM behind.");
        out.flush();
        if (exitWhenReady) {
            System.exit(0);
        }
        stop.await();
        return 0;
    }

    /** The deployment once the load balancer has every instance in rotation (probes pass), or after 60 s. */
    private static JsonNode waitForRotation(ApiClient tenant, PrintWriter out) {
        long until = System.nanoTime() + 60_000_000_000L;
        JsonNode d;
        do {
            d = tenant.get("/services/" + SERVICE + "/deployments/production");
            if (d.path("loadBalancer").path(0).path("inRotation").size() == d.path("instances").size()) return d;
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return d;
            }
        } while (System.nanoTime() < until);
        step(out, "not every instance is in load-balancer rotation yet; continuing");
        return d;
    }

    private static void step(PrintWriter out, String what) {
        out.println("vmrole demo: " + what);
        out.flush();
    }

    private static String get(String url) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.body().strip();
        } catch (IOException e) {
            return "(no answer: " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    private static String resource(String name) throws IOException {
        try (var in = DemoCommand.class.getResourceAsStream("/" + name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not remove " + dir + ": " + e.getMessage());
        }
    }
}
