package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.guest.image.SampleImage;
import org.vmrole.server.cli.ApiClient;
import org.vmrole.server.cli.ImageUploader;

/**
 * Traffic through the load balancer on real QEMU under a steady stream of HTTP requests, through the proxy and then
 * through the kernel path on the same VMs: a reimage, a scale-in, a VIP swap and a rolling upgrade fail no request;
 * a kill -9 of a VM fails at most the requests in flight on it (counted and printed).
 */
@Tag("vm")
class TrafficVmTest {
    @TempDir Path dir;
    EmbeddedPlatform platform;
    Load load;

    @AfterEach
    void stop() throws Exception {
        if (load != null) load.stop();
        if (platform != null) platform.close();
        for (long pid : ChildJvm.processesMentioning(dir.toString())) ChildJvm.kill9(pid);
    }

    /** A bounded, steady stream of GETs from a few client threads, counting answers and failures. */
    static final class Load {
        private final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger ok = new AtomicInteger();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> answers = new ConcurrentLinkedQueue<>();
        private final List<Thread> threads = new ArrayList<>();

        Load(String url, int clients, int maxRequests) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            AtomicInteger sent = new AtomicInteger();
            for (int c = 0; c < clients; c++) {
                threads.add(Thread.ofPlatform().daemon().start(() -> {
                    while (running.get() && sent.incrementAndGet() <= maxRequests) {
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200) {
                                ok.incrementAndGet();
                                answers.add(r.body());
                                if (answers.size() > 50) answers.poll();
                            } else {
                                failures.add("HTTP " + r.statusCode());
                            }
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                }));
            }
        }

        int failed() {
            return failures.size();
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) t.join(15_000);
        }
    }

    private static JsonNode deployment(ApiClient tenant, String slot) {
        return tenant.get("/services/web/deployments/" + slot);
    }

    private static void awaitAllInRotation(ApiClient tenant, String slot, int count) {
        await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            JsonNode d = deployment(tenant, slot);
            assertThat(d.path("instances")).hasSize(count);
            for (JsonNode i : d.path("instances")) assertThat(i.path("state").asText()).isEqualTo("ReadyRole");
            assertThat(d.path("loadBalancer").path(0).path("inRotation")).hasSize(count);
        });
    }

    private static void awaitOperation(ApiClient tenant, JsonNode op) {
        await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofMillis(250))
                .until(() -> "Succeeded".equals(tenant.get("/operations/" + op.path("id").asText()).path("status").asText()));
    }

    private static Map<String, String> deploymentBody(int instances) throws Exception {
        String def = Files.readString(Path.of(TrafficVmTest.class.getResource("/demo/ServiceDefinition.csdef").toURI()));
        String cfg = Files.readString(Path.of(TrafficVmTest.class.getResource("/demo/ServiceConfiguration.cscfg").toURI()))
                .replace("count=\"2\"", "count=\"" + instances + "\"");
        return Map.of("definition", def, "configuration", cfg);
    }

    /** A GET on a connection of its own (a client of its own): the kernel spreads connections, not requests. */
    private static String getOnNewConnection(String url) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            return r.body();
        }
    }

    private void awaitKernelRule(String port, int backends) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                nft("list", "table", "ip", platform.loadBalancer().forwardingTable()).lines()
                        .anyMatch(l -> l.contains("dport " + port + " ") && l.contains("mod " + backends + " ")));
    }

    private static String nft(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("nft"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    /** A reimage, a scale-in (and out again) and a VIP swap under the load; each fails no request. */
    private void reimageScaleAndSwap(ApiClient tenant, String mode) {
        awaitOperation(tenant, tenant.post("/services/web/deployments/production/instances/WebVM_IN_0/reimage", Map.of()));
        awaitAllInRotation(tenant, "production", 2);
        assertThat(load.failures).as("failed requests during a reimage (" + mode + ")").isEmpty();

        // in to one instance and out again: both slots' four instances fill the two hosts
        awaitOperation(tenant, tenant.post("/services/web/deployments/production/roles/WebVM/scale", Map.of("count", 1)));
        awaitAllInRotation(tenant, "production", 1);
        assertThat(load.failures).as("failed requests during a scale-in (" + mode + ")").isEmpty();
        awaitOperation(tenant, tenant.post("/services/web/deployments/production/roles/WebVM/scale", Map.of("count", 2)));
        awaitAllInRotation(tenant, "production", 2);

        String staging = deployment(tenant, "staging").path("id").asText();
        tenant.post("/services/web/swap", Map.of());
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> load.answers.stream().anyMatch(a -> a.contains(staging)));
        int before = load.ok.get();
        await().atMost(Duration.ofSeconds(30)).until(() -> load.ok.get() > before + 20);
        assertThat(load.answers.stream().skip(Math.max(0, load.answers.size() - 10))).allMatch(a -> a.contains(staging));
        assertThat(load.failures).as("failed requests during a VIP swap (" + mode + ")").isEmpty();
    }

    /**
     * Both forwarding modes on one set of VMs: the proxy first, then the kernel path (what `./vmrole server` uses by
     * default), which also spreads new connections over the instances; a kill -9 last.
     */
    @Test
    void reimage_scale_in_and_swap_fail_no_request_in_either_mode_and_a_killed_vm_fails_only_what_was_in_flight() throws Exception {
        platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(dir.resolve("data"), "127.0.0.1", 0, null, 2));
        ApiClient admin = new ApiClient(platform.apiUrl(), platform.firstAdministratorKey().orElseThrow());
        ApiClient tenant = SampleTenant.create(admin);
        tenant.post("/services", Map.of("name", "web"));
        tenant.post("/services/web/deployments/production", deploymentBody(2));
        tenant.post("/services/web/deployments/staging", deploymentBody(2));
        awaitAllInRotation(tenant, "production", 2);
        awaitAllInRotation(tenant, "staging", 2);
        String address = deployment(tenant, "production").path("loadBalancer").path(0).path("address").asText();
        load = new Load("http://" + address + "/environment", 2, 200_000);
        String firstProduction = deployment(tenant, "production").path("id").asText();

        reimageScaleAndSwap(tenant, "proxy");

        platform.loadBalancer().forwardInKernel();
        String port = address.substring(address.lastIndexOf(':') + 1);
        awaitKernelRule(port, 2);
        Map<String, Integer> byInstance = new java.util.TreeMap<>();
        for (int i = 0; i < 10; i++) {
            String body = getOnNewConnection("http://" + address + "/");
            byInstance.merge(body.replaceAll("^instance=(\\S+).*$", "$1").strip(), 1, Integer::sum);
        }
        assertThat(byInstance).as("answers by instance, through the kernel").containsOnlyKeys("WebVM_IN_0", "WebVM_IN_1");
        reimageScaleAndSwap(tenant, "kernel");
        String production = deployment(tenant, "production").path("id").asText();
        assertThat(production).as("swapped twice").isEqualTo(firstProduction);
        int served = load.ok.get();

        String victim = deployment(tenant, "production").path("instances").path(0).path("instance").asText();
        List<Long> qemu = ChildJvm.processesMentioning("vmrole:" + production + "/" + victim + " ");
        assertThat(qemu).hasSize(1);
        ChildJvm.kill9(qemu.get(0));
        awaitAllInRotation(tenant, "production", 2);
        load.stop();
        System.out.printf("traffic: %d requests answered (%d before the kill); a kill -9 of %s (kernel path) failed %d in flight: %s%n",
                load.ok.get(), served, victim, load.failed(), load.failures);
        assertThat(load.failed()).as("only requests in flight on the killed VM may fail (2 clients)").isLessThanOrEqualTo(2);
        String table = platform.loadBalancer().forwardingTable();
        platform.close();
        assertThat(nft("list", "tables", "ip")).as("the balancer's table is gone with it").doesNotContain(table);
        platform = null;
    }

    /**
     * The sample image as a raw disk with a marker written where nothing reads it (between the MBR and the first
     * partition). Raw, so the upgrade boots from a qcow2 the repository wrote itself while the upload arrived.
     */
    private Path secondImage() throws Exception {
        Path raw = dir.resolve("sample-v2.raw");
        for (List<String> cmd : List.of(
                List.of("qemu-img", "convert", "-f", "qcow2", "-O", "raw", SampleImage.ensure().toString(), raw.toString()),
                List.of("qemu-io", "-f", "raw", "-c", "write -P 0x76 65536 512", raw.toString()))) {
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            assertThat(p.waitFor()).as(String.join(" ", cmd)).isZero();
        }
        return raw;
    }

    @Test
    void a_rolling_upgrade_of_three_update_domains_to_a_new_image_and_back_fails_no_request_in_either_mode() throws Exception {
        platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(dir.resolve("data"), "127.0.0.1", 0, null, 2));
        ApiClient admin = new ApiClient(platform.apiUrl(), platform.firstAdministratorKey().orElseThrow());
        ApiClient tenant = SampleTenant.create(admin);
        ImageUploader uploader = new ImageUploader(tenant, new PrintWriter(Writer.nullWriter()));
        String newDigest = uploader.upload(secondImage(), "sample-v2", null).path("digest").asText();
        tenant.post("/services", Map.of("name", "web"));
        Map<String, String> v1 = deploymentBody(3);
        String definition = v1.get("definition").replace("<ServiceDefinition name=\"hello\"", "<ServiceDefinition name=\"hello\" upgradeDomainCount=\"3\"");
        tenant.post("/services/web/deployments/production", Map.of("definition", definition, "configuration", v1.get("configuration")));
        awaitAllInRotation(tenant, "production", 3);
        String vip = "http://" + deployment(tenant, "production").path("loadBalancer").path(0).path("address").asText() + "/";
        load = new Load(vip, 2, 200_000);
        String oldDigest = deployment(tenant, "production").path("roles").path(0).path("imageDigest").asText();

        upgrade(tenant, definition, v1.get("configuration").replace("sample-v1", "sample-v2"), newDigest, 2, "proxy");
        platform.loadBalancer().forwardInKernel();
        String address = deployment(tenant, "production").path("loadBalancer").path(0).path("address").asText();
        awaitKernelRule(address.substring(address.lastIndexOf(':') + 1), 3);
        upgrade(tenant, definition, v1.get("configuration"), oldDigest, 3, "kernel");
        load.stop();
        assertThat(load.failures).isEmpty();
    }

    /** A rolling upgrade to {@code configuration} under the load: it succeeds, and fails no request. */
    private void upgrade(ApiClient tenant, String definition, String configuration, String digest, long incarnation, String mode) {
        long started = System.nanoTime();
        int answeredBefore = load.ok.get();
        JsonNode op = tenant.post("/services/web/deployments/production/upgrade", Map.of("definition", definition,
                "configuration", configuration, "mode", "auto"));
        await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofMillis(500))
                .until(() -> !"InProgress".equals(tenant.get("/operations/" + op.path("id").asText()).path("status").asText()));
        long upgradeMs = (System.nanoTime() - started) / 1_000_000;
        assertThat(tenant.get("/operations/" + op.path("id").asText()).path("status").asText()).isEqualTo("Succeeded");
        awaitAllInRotation(tenant, "production", 3);
        JsonNode d = deployment(tenant, "production");
        assertThat(d.path("roles").path(0).path("imageDigest").asText()).isEqualTo(digest);
        for (JsonNode i : d.path("instances")) assertThat(i.path("incarnation").asLong()).isEqualTo(incarnation);
        System.out.printf("rolling upgrade of 3 instances in 3 update domains (%s): %d ms, %d requests answered, %d failed%n",
                mode, upgradeMs, load.ok.get() - answeredBefore, load.failed());
        assertThat(load.failures).as("failed requests during a rolling upgrade (" + mode + ")").isEmpty();
    }
}
