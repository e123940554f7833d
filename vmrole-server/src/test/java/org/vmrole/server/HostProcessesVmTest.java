package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.guest.image.SampleImage;
import org.vmrole.server.cli.ApiClient;
import org.vmrole.server.cli.ImageUploader;

/**
 * The fabric on real QEMU with two host-agent processes in different fault domains: a role deployed while only the
 * first host has joined is spread make-before-break once the second joins; a VM killed with SIGKILL is replaced with a higher incarnation; a host agent killed with SIGKILL
 * (with its VMs) has its instance recreated on the other host.
 */
@Tag("vm")
class HostProcessesVmTest {
    @TempDir Path dir;
    EmbeddedPlatform platform;
    Process hostA;
    Process hostB;

    @AfterEach
    void stop() throws Exception {
        for (Process p : new Process[] {hostA, hostB}) if (p != null) p.destroy();
        if (platform != null) {
            ApiClient admin = new ApiClient(platform.apiUrl(), adminKey);
            try {
                admin.delete("/services/web/deployments/production?subscription=contoso");
            } catch (RuntimeException alreadyGone) {
                // the test may have failed before deploying
            }
            platform.close();
        }
        for (long pid : ChildJvm.processesMentioning(dir.toString())) ChildJvm.kill9(pid);
    }

    String adminKey;

    private Process host(String name, int fd, ApiClient admin) throws Exception {
        String token = admin.post("/hosts/" + name + "/join-token", Map.of()).get("joinToken").asText();
        return ChildJvm.start(dir.resolve(name + ".log"), "host", "--controller", platform.apiUrl(), "--name", name, "--fault-domain", String.valueOf(fd),
                "--data", dir.resolve(name).toString(), "--join-token", token, "--cores", "2", "--memory-mib", "4096");
    }

    private static JsonNode instance(ApiClient tenant, String name) {
        for (JsonNode i : tenant.get("/services/web/deployments/production").path("instances")) {
            if (name.equals(i.path("instance").asText())) return i;
        }
        throw new AssertionError("no instance " + name);
    }

    @Test
    void heals_a_killed_vm_drains_a_host_and_moves_the_instances_of_a_killed_host() throws Exception {
        platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(dir.resolve("controller"), "127.0.0.1", 0, null, 0));
        adminKey = platform.firstAdministratorKey().orElseThrow();
        ApiClient admin = new ApiClient(platform.apiUrl(), adminKey);
        hostA = host("host-a", 0, admin);

        admin.post("/subscriptions", Map.of("id", "contoso"));
        ApiClient tenant = new ApiClient(platform.apiUrl(), admin.post("/subscriptions/contoso/keys", Map.of()).get("key").asText());
        String req = tenant.post("/beta/programs/vm-role/requests", Map.of("reason", "test")).get("id").asText();
        admin.post("/beta/requests/" + req + "/approve", Map.of());
        new ImageUploader(tenant, new PrintWriter(Writer.nullWriter())).upload(SampleImage.ensure(), "sample-v1", null);
        tenant.post("/services", Map.of("name", "web"));
        tenant.post("/services/web/deployments/production", Map.of(
                "definition", Files.readString(Path.of(getClass().getResource("/demo/ServiceDefinition.csdef").toURI())),
                "configuration", Files.readString(Path.of(getClass().getResource("/demo/ServiceConfiguration.cscfg").toURI()))));

        // deployed while only host-a (fault domain 0) has joined: both instances there, the SLA at risk
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(instance(tenant, "WebVM_IN_0").path("state").asText()).isEqualTo("ReadyRole");
            assertThat(instance(tenant, "WebVM_IN_1").path("state").asText()).isEqualTo("ReadyRole");
        });
        assertThat(tenant.get("/services/web/deployments/production").path("sla").path("reason").asText()).isEqualTo("all instances in fault domain 0");

        String deployment = tenant.get("/services/web/deployments/production").path("id").asText();

        // host-b (fault domain 1) joins late: one instance moves there, the old copy serving until the new one is ready
        long joinedAt = System.nanoTime();
        hostB = host("host-b", 1, admin);
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode d = tenant.get("/services/web/deployments/production");
            assertThat(d.path("sla").path("ok").asBoolean()).as(d.path("sla").toString()).isTrue();
            assertThat(List.of(instance(tenant, "WebVM_IN_0").path("host").asText(), instance(tenant, "WebVM_IN_1").path("host").asText()))
                    .containsExactlyInAnyOrder("host-a", "host-b");
            for (String name : List.of("WebVM_IN_0", "WebVM_IN_1")) {
                assertThat(ChildJvm.processesMentioning("vmrole:" + deployment + "/" + name)).as("the old copy of " + name + " is stopped").hasSize(1);
            }
        });
        System.out.printf("late host: role spread over both fault domains %d ms after host-b started%n", (System.nanoTime() - joinedAt) / 1_000_000);
        // the console of an instance on a host in another process comes over the host link
        assertThat(tenant.getText("/services/web/deployments/production/instances/WebVM_IN_1/console?bytes=65536")).contains("vmrole-agent: started");

        // kill -9 one VM: replaced on its host with a higher incarnation
        List<Long> qemu = ChildJvm.processesMentioning("vmrole:" + deployment + "/WebVM_IN_0");
        assertThat(qemu).hasSize(1);
        long killedAt = System.nanoTime();
        ChildJvm.kill9(qemu.get(0));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> instance(tenant, "WebVM_IN_0").path("incarnation").asLong() >= 2);
        long detectedMs = (System.nanoTime() - killedAt) / 1_000_000;
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                .until(() -> "ReadyRole".equals(instance(tenant, "WebVM_IN_0").path("state").asText()));
        long replacedMs = (System.nanoTime() - killedAt) / 1_000_000;
        System.out.printf("VM kill -9: replacement decided after %d ms, ReadyRole after %d ms%n", detectedMs, replacedMs);

        // drain host-a: its instance moves to host-b; then take host-a back
        String onA = instance(tenant, "WebVM_IN_0").path("host").asText().equals("host-a") ? "WebVM_IN_0" : "WebVM_IN_1";
        admin.post("/hosts/host-a/drain", Map.of());
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonNode moved = instance(tenant, onA);
            assertThat(moved.path("host").asText()).isEqualTo("host-b");
            assertThat(moved.path("state").asText()).isEqualTo("ReadyRole");
        });
        assertThat(ChildJvm.processesMentioning(dir.resolve("host-a").toString())).as("no VM left on the drained host").isEmpty();
        admin.post("/hosts/host-a/undrain", Map.of());

        // kill -9 the host agent of host-b and its VMs: both instances are recreated on host-a
        long hostKilledAt = System.nanoTime();
        hostB.destroyForcibly().waitFor();
        for (long pid : ChildJvm.processesMentioning(dir.resolve("host-b").toString())) ChildJvm.kill9(pid);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> admin.get("/hosts").path("hosts").toString().contains("\"status\":\"Down\""));
        long hostDetectedMs = (System.nanoTime() - hostKilledAt) / 1_000_000;
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            for (String name : List.of("WebVM_IN_0", "WebVM_IN_1")) {
                JsonNode moved = instance(tenant, name);
                assertThat(moved.path("host").asText()).isEqualTo("host-a");
                assertThat(moved.path("state").asText()).isEqualTo("ReadyRole");
            }
        });
        System.out.printf("host kill -9: host Down after %d ms, its instances ReadyRole on host-a after %d ms%n",
                hostDetectedMs, (System.nanoTime() - hostKilledAt) / 1_000_000);
        JsonNode hosts = admin.get("/hosts").path("hosts");
        assertThat(hosts.toString()).contains("\"name\":\"host-b\"").contains("\"status\":\"Down\"");
    }
}
