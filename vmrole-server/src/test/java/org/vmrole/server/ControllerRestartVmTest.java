package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.guest.image.SampleImage;
import org.vmrole.server.cli.ApiClient;
import org.vmrole.server.cli.CliFailure;
import org.vmrole.server.cli.ImageUploader;

/**
 * kill -9 of the controller in the middle of a deployment on real QEMU: its hosts keep their VMs running while it is down,
 * and restarted, it adopts them and converges with no duplicate and no lost instance.
 */
@Tag("vm")
class ControllerRestartVmTest {
    private static final String ADMIN_KEY = "vmr_restart-test-administrator-key-0123456789";
    @TempDir Path dir;
    final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Process p : processes) p.destroyForcibly().waitFor();
        for (long pid : ChildJvm.processesMentioning(dir.toString())) ChildJvm.kill9(pid);
    }

    private Process server(int port, String logName) throws Exception {
        Process p = ChildJvm.start(dir.resolve(logName), "server", "--data", dir.resolve("controller").toString(), "--port", String.valueOf(port),
                "--hosts", "0", "--admin-key", ADMIN_KEY);
        processes.add(p);
        ApiClient admin = new ApiClient("http://127.0.0.1:" + port, ADMIN_KEY);
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200)).ignoreExceptionsInstanceOf(CliFailure.class)
                .until(() -> admin.get("/hosts").has("hosts"));
        return p;
    }

    /** The QEMU processes of a deployment once daemonized (while QEMU forks, parent and child show the same command line). */
    private List<Long> daemonizedQemus(String deployment) throws IOException {
        List<Long> running = ChildJvm.processesMentioning("vmrole:" + deployment + "/");
        try (var files = Files.walk(dir)) {
            return files.filter(f -> f.getFileName().toString().equals("qemu.pid")).map(f -> {
                try {
                    return Long.parseLong(Files.readString(f).strip());
                } catch (IOException | NumberFormatException notYetWritten) {
                    return -1L;
                }
            }).filter(running::contains).toList();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void a_controller_killed_mid_deployment_converges_after_restart_with_one_copy_of_each_instance() throws Exception {
        int port = freePort();
        Process controller = server(port, "server-1.log");
        String url = "http://127.0.0.1:" + port;
        ApiClient admin = new ApiClient(url, ADMIN_KEY);
        for (int i = 0; i < 2; i++) {
            String name = "host-" + i;
            String token = admin.post("/hosts/" + name + "/join-token", Map.of()).get("joinToken").asText();
            processes.add(ChildJvm.start(dir.resolve(name + ".log"), "host", "--controller", url, "--name", name, "--fault-domain", String.valueOf(i),
                    "--data", dir.resolve(name).toString(), "--join-token", token, "--cores", "2", "--memory-mib", "4096"));
        }
        admin.post("/subscriptions", Map.of("id", "contoso"));
        ApiClient tenant = new ApiClient(url, admin.post("/subscriptions/contoso/keys", Map.of()).get("key").asText());
        admin.post("/beta/requests/" + tenant.post("/beta/programs/vm-role/requests", Map.of("reason", "test")).get("id").asText() + "/approve", Map.of());
        new ImageUploader(tenant, new PrintWriter(Writer.nullWriter())).upload(SampleImage.ensure(), "sample-v1", null);
        tenant.post("/services", Map.of("name", "web"));
        tenant.post("/services/web/deployments/production", Map.of(
                "definition", Files.readString(Path.of(getClass().getResource("/demo/ServiceDefinition.csdef").toURI())),
                "configuration", Files.readString(Path.of(getClass().getResource("/demo/ServiceConfiguration.cscfg").toURI()))));
        String deployment = tenant.get("/services/web/deployments/production").path("id").asText();

        // the controller dies once the hosts have started booting the instances, before they are ready
        List<Long> booted = await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> daemonizedQemus(deployment), pids -> pids.size() == 2);
        controller.destroyForcibly().waitFor();
        // with no controller running nothing can declare the hosts down: their VMs run on past the hosts' fence window
        await().during(EmbeddedPlatform.HOST_TIMEOUT.plusSeconds(1)).atMost(EmbeddedPlatform.HOST_TIMEOUT.plusSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> ChildJvm.processesMentioning("vmrole:" + deployment + "/").containsAll(booted));
        server(port, "server-2.log");

        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode instances = tenant.get("/services/web/deployments/production").path("instances");
            assertThat(instances).hasSize(2);
            for (JsonNode i : instances) assertThat(i.path("state").asText()).isEqualTo("ReadyRole");
        });
        for (String name : List.of("WebVM_IN_0", "WebVM_IN_1")) {
            assertThat(ChildJvm.processesMentioning("vmrole:" + deployment + "/" + name + " ")).as("QEMU processes of " + name).hasSize(1);
        }
        assertThat(ChildJvm.processesMentioning("vmrole:" + deployment + "/")).as("the VMs that booted before the restart, adopted, not restarted")
                .containsExactlyInAnyOrderElementsOf(booted);
        JsonNode hosts = admin.get("/hosts").path("hosts");
        assertThat(hosts.findValuesAsText("status")).containsOnly("Up");
    }
}
