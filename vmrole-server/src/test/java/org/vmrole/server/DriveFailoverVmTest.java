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
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.guest.image.SampleImage;
import org.vmrole.model.blob.BlobCredential;
import org.vmrole.model.blob.PageBlobClient;
import org.vmrole.server.cli.ApiClient;
import org.vmrole.server.cli.ImageUploader;

/**
 * A drive through the whole platform on real QEMU, two host-agent processes and the storage service: the sample app
 * writes files to its drive; when its host agent and VM are killed with SIGKILL while the guest writes, every write it
 * had synced is in the page blob (read through the Blob API), the controller fences the host and breaks the drive's
 * lease at once, and the instance comes back on the other host with the same files.
 */
@Tag("vm")
class DriveFailoverVmTest {
    private static final String DEFINITION = """
            <ServiceDefinition name="files"><VirtualMachineRole name="WriterVM" vmsize="ExtraSmall">
            <Endpoints><InputEndpoint name="Http" protocol="http" port="80"/></Endpoints></VirtualMachineRole></ServiceDefinition>
            """;
    private static final String CONFIGURATION = """
            <ServiceConfiguration serviceName="files"><Role name="WriterVM"><OsImage href="sample-v1"/><Instances count="1"/>
            <Drives><Drive name="data" account="contosofiles" drive="shared" mode="write"/></Drives></Role></ServiceConfiguration>
            """;

    @TempDir Path dir;
    EmbeddedPlatform platform;
    Process hostA;
    Process hostB;
    String adminKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @AfterEach
    void stop() throws Exception {
        for (Process p : new Process[] {hostA, hostB}) if (p != null) p.destroy();
        if (platform != null) {
            try {
                new ApiClient(platform.apiUrl(), adminKey).delete("/services/files/deployments/production?subscription=contoso");
            } catch (RuntimeException alreadyGone) {
                // the test may have failed before deploying
            }
            platform.close();
        }
        for (long pid : ChildJvm.processesMentioning(dir.toString())) ChildJvm.kill9(pid);
    }

    private Process host(String name, int fd, ApiClient admin) throws Exception {
        String token = admin.post("/hosts/" + name + "/join-token", Map.of()).get("joinToken").asText();
        return ChildJvm.start(dir.resolve(name + ".log"), "host", "--controller", platform.apiUrl(), "--name", name, "--fault-domain", String.valueOf(fd),
                "--data", dir.resolve(name).toString(), "--join-token", token, "--cores", "2", "--memory-mib", "4096");
    }

    private static JsonNode writer(ApiClient tenant) {
        return tenant.get("/services/files/deployments/production").path("instances").get(0);
    }

    /** GET on the instance's endpoint as its host forwards it: "STATUS body". */
    private String get(JsonNode instance, String path) throws Exception {
        String at = instance.path("endpoints").get(0).path("reachedAt").asText();
        var r = http.send(HttpRequest.newBuilder(URI.create("http://" + at + path)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body().strip();
    }

    /** What the guest's kernel and host-b said about errors: a failed write's cause, for the failure message. */
    private String whyAWriteFailed(ApiClient tenant) {
        StringBuilder why = new StringBuilder();
        try {
            tenant.getText("/services/files/deployments/production/instances/WriterVM_IN_0/console").lines()
                    .filter(l -> l.contains("EXT4-fs") || l.contains("I/O error") || l.contains("error")).forEach(l -> why.append("console: ").append(l).append('\n'));
        } catch (RuntimeException e) {
            why.append("console unavailable: ").append(e.getMessage()).append('\n');
        }
        try (var lines = java.nio.file.Files.lines(dir.resolve("host-b.log"))) {
            lines.filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).forEach(l -> why.append("host-b: ").append(l).append('\n'));
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            why.append("host-b.log unreadable: ").append(e.getMessage()).append('\n');
        }
        return why.toString();
    }

    @Test
    void the_writers_files_come_back_on_the_other_host_after_its_host_is_killed_and_the_fence_breaks_the_lease() throws Exception {
        platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(dir.resolve("controller"), "127.0.0.1", 0, null, 0, true));
        adminKey = platform.firstAdministratorKey().orElseThrow();
        ApiClient admin = new ApiClient(platform.apiUrl(), adminKey);
        hostA = host("host-a", 0, admin);
        admin.post("/subscriptions", Map.of("id", "contoso"));
        ApiClient tenant = new ApiClient(platform.apiUrl(), admin.post("/subscriptions/contoso/keys", Map.of()).get("key").asText());
        String req = tenant.post("/beta/programs/vm-role/requests", Map.of("reason", "drives")).get("id").asText();
        admin.post("/beta/requests/" + req + "/approve", Map.of());
        new ImageUploader(tenant, new PrintWriter(Writer.nullWriter())).upload(SampleImage.ensure(), "sample-v1", null);
        String accountKey = tenant.post("/storage-accounts", Map.of("name", "contosofiles")).get("primaryKey").asText();
        String url = tenant.post("/drives", Map.of("name", "shared", "account", "contosofiles", "sizeBytes", 16 << 20)).get("url").asText();
        PageBlobClient blob = PageBlobClient.of(URI.create(url), new BlobCredential.SharedKey("contosofiles", accountKey));
        tenant.post("/services", Map.of("name", "files"));
        tenant.post("/services/files/deployments/production", Map.of("definition", DEFINITION, "configuration", CONFIGURATION));

        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500))
                .until(() -> "ReadyRole".equals(writer(tenant).path("state").asText()));
        assertThat(writer(tenant).path("host").asText()).isEqualTo("host-a");
        hostB = host("host-b", 1, admin);
        for (String name : List.of("one", "two", "three")) assertThat(get(writer(tenant), "/drive/write?name=" + name)).startsWith("200 wrote " + name);
        JsonNode drive = writer(tenant).path("drives").get(0);
        assertThat(drive.path("name").asText()).isEqualTo("data");
        assertThat(drive.path("lease").asText()).isEqualTo("held");

        // the guest keeps writing while host-a's agent and its VM are killed with SIGKILL; a write is synced once answered
        JsonNode onA = writer(tenant);
        List<String> synced = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread writes = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < 10_000; i++) {
                try {
                    if (!get(onA, "/drive/write?name=w" + i).startsWith("200")) return;
                } catch (Exception e) {
                    return;
                }
                synced.add("w" + i);
            }
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> synced.size() >= 8);
        long killedAt = System.nanoTime();
        hostA.destroyForcibly().waitFor();
        for (long pid : ChildJvm.processesMentioning(dir.resolve("host-a").toString())) ChildJvm.kill9(pid);
        writes.join(Duration.ofSeconds(60));
        assertThat(blob.properties().leased()).as("left held by a dead writer").isTrue();
        String raw = new String(blob.read(0, 16 << 20), java.nio.charset.StandardCharsets.ISO_8859_1);
        for (String name : synced) assertThat(raw).as("synced " + name + " is in the page blob").contains("file " + name + " written by WriterVM_IN_0");
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100))
                .until(() -> admin.get("/hosts").path("hosts").toString().contains("\"status\":\"Down\""));
        long downMs = (System.nanoTime() - killedAt) / 1_000_000;
        // fencing breaks it at once (break period 0): not the 60 s lease running out
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
            var p = blob.properties();
            return "broken".equals(p.leaseState()) || String.valueOf(p.holder()).contains("host-b");
        });
        long brokenMs = (System.nanoTime() - killedAt) / 1_000_000;
        assertThat(brokenMs).as("broken well before a 60 s lease renewed up to 15 s before the kill could lapse").isLessThan(44_000);

        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode moved = writer(tenant);
            assertThat(moved.path("host").asText()).isEqualTo("host-b");
            assertThat(moved.path("state").asText()).isEqualTo("ReadyRole");
        });
        long readyMs = (System.nanoTime() - killedAt) / 1_000_000;
        List<String> expected = new java.util.ArrayList<>(List.of("one", "two", "three"));
        expected.addAll(synced);
        for (String name : expected) {
            assertThat(get(writer(tenant), "/drive/read?name=" + name)).startsWith("200 file " + name + " written by WriterVM_IN_0 incarnation=");
        }
        assertThat(String.valueOf(blob.properties().holder())).contains("WriterVM_IN_0#" + writer(tenant).path("incarnation").asLong()).contains("host-b");
        // the writer died mid-write on host-a: the file system was checked (and repaired) before it was written to again
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> // the console reaches the host's log a moment later
                assertThat(tenant.getText("/services/files/deployments/production/instances/WriterVM_IN_0/console"))
                        .contains("vmrole-sample: drive data checked before mounting it for writing: data: "));

        // the guest writes on while the account's primary key is regenerated: host-b's calls refused with the old key wait
        // for the new one, which the controller sends without a detach, so no write fails
        JsonNode onB = writer(tenant);
        List<String> rekeyed = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> failed = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicLong slowestMs = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean enough = new java.util.concurrent.atomic.AtomicBoolean();
        Thread rekeyWrites = Thread.ofVirtual().start(() -> {
            for (int i = 0; !enough.get(); i++) {
                long t = System.nanoTime();
                try {
                    String answer = get(onB, "/drive/write?name=k" + i);
                    if (!answer.startsWith("200")) {
                        failed.add("k" + i + ": " + answer + "\n" + whyAWriteFailed(tenant));
                        return;
                    }
                } catch (Exception e) {
                    failed.add("k" + i + ": " + e);
                    return;
                }
                slowestMs.accumulateAndGet((System.nanoTime() - t) / 1_000_000, Math::max);
                rekeyed.add("k" + i);
            }
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> rekeyed.size() >= 2 || !failed.isEmpty());
        String newKey = tenant.post("/storage-accounts/contosofiles/regenerate-key", Map.of("key", "primary")).get("primaryKey").asText();
        long regeneratedAt = System.nanoTime();
        int before = rekeyed.size();
        // writes go on for 8 s after the regeneration (the old key is refused from its first moment) and a few more after
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> !failed.isEmpty() || (System.nanoTime() - regeneratedAt > 8_000_000_000L && rekeyed.size() >= before + 5));
        enough.set(true);
        rekeyWrites.join(Duration.ofSeconds(60));
        assertThat(failed).as("no write of the guest failed across the key regeneration").isEmpty();
        var withNewKey = PageBlobClient.of(URI.create(url), new BlobCredential.SharedKey("contosofiles", newKey));
        String after = new String(withNewKey.read(0, 16 << 20), java.nio.charset.StandardCharsets.ISO_8859_1);
        for (String name : rekeyed) assertThat(after).as("synced " + name + " is in the page blob").contains("file " + name + " written by WriterVM_IN_0");
        System.out.printf("key regenerated while the guest wrote: %d writes, %d after the regeneration, none failed; slowest write %d ms%n",
                rekeyed.size(), rekeyed.size() - before, slowestMs.get());
        System.out.printf("drive failover: %d writes synced before the kill, host Down after %d ms, lease broken after %d ms,"
                + " ReadyRole with its files on host-b after %d ms%n", synced.size(), downMs, brokenMs, readyMs);
    }
}
