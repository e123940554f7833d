package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.guest.agent.AgentPackage;
import org.vmrole.server.cli.ApiClient;
import org.vmrole.server.cli.ImageUploader;

/**
 * examples/debian-nginx on real QEMU (TCG), one platform for the class: the image with the agent deploys as two
 * instances that answer through the load balancer with their ids, takes a settings change live and heals a kill -9;
 * the same image built with cloud-init and no agent reaches ReadyRole through its probe, and when nginx stops inside
 * it (its own user-data stops it) it leaves rotation and is healed. Also measures the platform's boot to ReadyRole
 * (its image prefetched on upload) against the same image booted by bare QEMU to its first HTTP answer, before and after.
 */
@Tag("vm")
class DebianExampleVmTest {
    @TempDir static Path dir;
    static EmbeddedPlatform platform;
    static ApiClient tenant;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(DebianExampleImage.buildable(), "mmdebstrap (as root) is needed to build examples/debian-nginx");
        platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(dir.resolve("data"), "127.0.0.1", 0, null, 2));
        tenant = SampleTenant.admitted(new ApiClient(platform.apiUrl(), platform.firstAdministratorKey().orElseThrow()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (platform != null) platform.close();
        for (long pid : ChildJvm.processesMentioning(dir.toString())) ChildJvm.kill9(pid);
    }

    private static String configuration(String image, int count, String greeting, String userData) throws Exception {
        String cfg = Files.readString(DebianExampleImage.EXAMPLE.resolve("ServiceConfiguration.cscfg"))
                .replace("debian-nginx-v1", image).replace("count=\"2\"", "count=\"" + count + "\"").replace("value=\"hello\"", "value=\"" + greeting + "\"");
        if (userData == null) return cfg;
        int from = cfg.indexOf("<UserData>");
        int to = cfg.indexOf("</UserData>") + "</UserData>".length();
        return cfg.substring(0, from) + "<UserData><![CDATA[" + userData + "]]></UserData>" + cfg.substring(to);
    }

    private static Map<String, String> body(String configuration) throws Exception {
        return Map.of("definition", Files.readString(DebianExampleImage.EXAMPLE.resolve("ServiceDefinition.csdef")), "configuration", configuration);
    }

    private static JsonNode upload(Path image, String name) {
        long started = System.nanoTime();
        JsonNode rec = new ImageUploader(tenant, new PrintWriter(Writer.nullWriter())).upload(image, name, null);
        System.out.printf("debian-nginx: upload of %s (%.0f MiB qcow2) through the API in %.1f s%n", name,
                image.toFile().length() / 1048576.0, (System.nanoTime() - started) / 1e9);
        return rec;
    }

    private static void awaitSucceeded(JsonNode op, Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(250)).until(() -> {
            String status = tenant.get("/operations/" + op.path("id").asText()).path("status").asText();
            assertThat(status).isNotEqualTo("Failed");
            return status.equals("Succeeded");
        });
    }

    private static JsonNode deployment(String service) {
        return tenant.get("/services/" + service + "/deployments/production");
    }

    private static JsonNode withAgent;

    /** The example with the agent, uploaded once for the class as "debian-nginx-v1", in both hosts' caches before any deployment. */
    private static synchronized JsonNode withAgentUploaded() throws Exception {
        if (withAgent != null) return withAgent;
        JsonNode rec = upload(DebianExampleImage.ensure(true), "debian-nginx-v1");
        assertThat(rec.path("contents").path("os").asText()).contains("Debian GNU/Linux 12");
        assertThat(rec.path("contents").path("agent").asText()).isEqualTo("vmrole-agent/" + AgentPackage.version());
        // hosts warm their caches as soon as the upload is committed: a deploy does not wait for the image's fetch
        long uploaded = System.nanoTime();
        String digest = rec.path("digest").asText();
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100))
                .until(() -> platform.hosts().stream().allMatch(h -> h.images().contains(digest)));
        System.out.printf("debian-nginx: in both hosts' caches %.1f s after the upload answered (prefetched, no deployment yet; load %s)%n",
                (System.nanoTime() - uploaded) / 1e9, load());
        withAgent = rec;
        return rec;
    }

    @Test
    void a_deploy_boots_to_ReadyRole_in_about_the_time_bare_qemu_takes_to_answer() throws Exception {
        Path image = DebianExampleImage.ensure(true);
        withAgentUploaded();
        // bare, platform, bare: the load this machine is under moves both sides
        double bareBefore = bareQemuFirstAnswerSeconds(image);
        String loadBefore = load();
        tenant.post("/services", Map.of("name", "boot"));
        long asked = System.nanoTime();
        JsonNode op = tenant.post("/services/boot/deployments/production", body(configuration("debian-nginx-v1", 1, "hello", null)));
        await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofMillis(100))
                .until(() -> deployment("boot").path("instances").findValuesAsText("state").contains("ReadyRole"));
        double ready = (System.nanoTime() - asked) / 1e9;
        String loadReady = load();
        awaitSucceeded(op, Duration.ofMinutes(8));
        awaitSucceeded(tenant.delete("/services/boot/deployments/production"), Duration.ofMinutes(3));
        double bareAfter = bareQemuFirstAnswerSeconds(image);
        System.out.printf("debian-nginx: bare QEMU boot to first HTTP answer %.1f s before (load %s), %.1f s after (load %s); platform deploy to"
                + " ReadyRole %.1f s (load %s; one instance, image prefetched, TCG)%n", bareBefore, loadBefore, bareAfter, load(), ready, loadReady);
    }

    @Test
    void with_the_agent_two_instances_answer_with_their_ids_take_a_setting_live_and_heal_a_kill() throws Exception {
        withAgentUploaded();

        tenant.post("/services", Map.of("name", "web"));
        // one instance first, then a second by scaling (two boots at once share the two cores)
        JsonNode op = tenant.post("/services/web/deployments/production", body(configuration("debian-nginx-v1", 1, "hello", null)));
        awaitSucceeded(op, Duration.ofMinutes(8));
        long scaled = System.nanoTime();
        awaitSucceeded(tenant.post("/services/web/deployments/production/roles/WebVM/scale", Map.of("count", 2)), Duration.ofMinutes(8));
        System.out.printf("debian-nginx: scale to 2 instances, the new one ReadyRole %.1f s later%n", (System.nanoTime() - scaled) / 1e9);
        for (JsonNode i : deployment("web").path("instances")) {
            assertThat(i.path("agent").asText()).isEqualTo("vmrole-agent/" + AgentPackage.version());
            assertThat(i.path("healthFrom").asText()).isEqualTo("agent");
        }
        String lb = "http://" + deployment("web").path("loadBalancer").path(0).path("address").asText() + "/";
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(instancesAnswering(lb, "greeting=hello"))
                .containsExactly("WebVM_IN_0", "WebVM_IN_1"));

        JsonNode upgrade = tenant.post("/services/web/deployments/production/upgrade", Map.of("configuration", configuration("debian-nginx-v1", 2, "bonjour", null)));
        awaitSucceeded(upgrade, Duration.ofMinutes(8));
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(instancesAnswering(lb, "greeting=bonjour"))
                .containsExactly("WebVM_IN_0", "WebVM_IN_1"));
        for (JsonNode i : deployment("web").path("instances")) assertThat(i.path("incarnation").asLong()).as("changed live").isEqualTo(1);

        String deploymentId = deployment("web").path("id").asText();
        List<Long> qemu = ChildJvm.processesMentioning("vmrole:" + deploymentId + "/WebVM_IN_1 ");
        assertThat(qemu).hasSize(1);
        long killed = System.nanoTime();
        ChildJvm.kill9(qemu.get(0));
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100)).until(() -> !"ReadyRole".equals(instance("web", "WebVM_IN_1").path("state").asText()));
        await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            JsonNode healed = instance("web", "WebVM_IN_1");
            assertThat(healed.path("state").asText()).isEqualTo("ReadyRole");
            assertThat(healed.path("incarnation").asLong()).isGreaterThan(1);
        });
        System.out.printf("debian-nginx: healed %.1f s after a kill -9 (TCG)%n", (System.nanoTime() - killed) / 1e9);
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(instancesAnswering(lb, "greeting=bonjour"))
                .containsExactly("WebVM_IN_0", "WebVM_IN_1"));
        awaitSucceeded(tenant.delete("/services/web/deployments/production"), Duration.ofMinutes(3));
    }

    @Test
    void without_the_agent_it_is_ready_through_its_probe_and_healed_when_nginx_stops() throws Exception {
        JsonNode rec = upload(DebianExampleImage.ensure(false), "debian-nginx-plain");
        assertThat(rec.path("contents").path("agent").asText("missing")).as("no agent found inside").isEmpty();

        tenant.post("/services", Map.of("name", "plain"));
        String stopNginxLater = "#cloud-config\nruncmd:\n  - [ sh, -c, \"nohup sh -c 'sleep 60; systemctl stop nginx' >/dev/null 2>&1 &\" ]\n";
        JsonNode op = tenant.post("/services/plain/deployments/production", body(configuration("debian-nginx-plain", 1, "salut", stopNginxLater)));
        awaitSucceeded(op, Duration.ofMinutes(8));
        JsonNode i = instance("plain", "WebVM_IN_0");
        assertThat(i.path("healthFrom").asText()).isEqualTo("probe");
        String lb = "http://" + deployment("plain").path("loadBalancer").path(0).path("address").asText() + "/";
        await().atMost(Duration.ofMinutes(1)).ignoreExceptions().untilAsserted(() -> assertThat(get(lb))
                .as("cloud-init gave the image its role environment").contains("instance=WebVM_IN_0", "greeting=salut"));

        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(250)).until(() ->
                !"ReadyRole".equals(instance("plain", "WebVM_IN_0").path("state").asText())
                        && deployment("plain").path("loadBalancer").path(0).path("inRotation").isEmpty());
        await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode healed = instance("plain", "WebVM_IN_0");
            assertThat(healed.path("state").asText()).isEqualTo("ReadyRole");
            assertThat(healed.path("lastCause").asText()).contains("probe");
        });
        awaitSucceeded(tenant.delete("/services/plain/deployments/production"), Duration.ofMinutes(3));
    }

    private static JsonNode instance(String service, String name) {
        for (JsonNode i : deployment(service).path("instances")) if (i.path("instance").asText().equals(name)) return i;
        throw new AssertionError(name + " is not listed");
    }

    /** The instance ids that answer through the load balancer, on new connections, with pages that contain {@code text}. */
    private static Set<String> instancesAnswering(String url, String text) throws Exception {
        Set<String> ids = new TreeSet<>();
        for (int n = 0; n < 12; n++) {
            String page = get(url);
            if (!page.contains(text)) continue;
            for (String field : page.strip().split(" ")) if (field.startsWith("instance=")) ids.add(field.substring("instance=".length()));
        }
        return ids;
    }

    private static String get(String url) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            return r.body();
        }
    }

    /** The 1, 5 and 15 minute load averages, to print beside a figure. */
    private static String load() throws java.io.IOException {
        String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return f[0] + " " + f[1] + " " + f[2];
    }

    /** The same image under plain QEMU: no agent port, no config drive; seconds from start to its first HTTP answer. */
    private static double bareQemuFirstAnswerSeconds(Path image) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        long started = System.nanoTime();
        Process qemu = new ProcessBuilder(List.of("qemu-system-x86_64", "-accel", "tcg", "-machine", "q35", "-m", "768", "-nographic",
                "-drive", "file=" + image + ",format=qcow2,if=virtio,snapshot=on",
                "-netdev", "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:" + port + "-:80", "-device", "virtio-net-pci,netdev=n0"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("bare-serial.log").toFile()).start();
        try {
            await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .untilAsserted(() -> assertThat(get("http://127.0.0.1:" + port + "/")).startsWith("instance="));
            return (System.nanoTime() - started) / 1e9;
        } finally {
            qemu.destroyForcibly().waitFor();
        }
    }
}
