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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.guest.image.SampleImage;
import org.vmrole.server.cli.ApiClient;
import org.vmrole.server.cli.CliFailure;
import org.vmrole.server.cli.ImageUploader;

/**
 * A role whose image has no agent (the sample image with the agent removed and its app started by init), on real
 * QEMU: upload inspection finds no agent, a role without an input endpoint is refused, the deployed instance is
 * judged by its endpoint's probe (ReadyRole while it passes, status says so), and when its app stops it leaves
 * rotation and is healed.
 */
@Tag("vm")
class AgentlessRoleVmTest {
    @TempDir Path dir;
    EmbeddedPlatform platform;

    private static final String DEFINITION = """
            <?xml version="1.0" encoding="utf-8"?>
            <ServiceDefinition name="plain" xmlns="http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceDefinition">
              <LoadBalancerProbes>
                <LoadBalancerProbe name="Root" protocol="http" path="/" intervalInSeconds="5" timeoutInSeconds="11"/>
              </LoadBalancerProbes>
              <VirtualMachineRole name="WebVM" vmsize="ExtraSmall">
                <Endpoints>
                  <InputEndpoint name="Http" protocol="http" port="80" loadBalancerProbe="Root"/>
                </Endpoints>
              </VirtualMachineRole>
            </ServiceDefinition>
            """;
    private static final String NO_ENDPOINT = """
            <?xml version="1.0" encoding="utf-8"?>
            <ServiceDefinition name="plain" xmlns="http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceDefinition">
              <VirtualMachineRole name="WebVM" vmsize="ExtraSmall"/>
            </ServiceDefinition>
            """;
    private static final String CONFIGURATION = """
            <?xml version="1.0" encoding="utf-8"?>
            <ServiceConfiguration serviceName="plain" xmlns="http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceConfiguration">
              <Role name="WebVM">
                <OsImage href="plain-v1"/>
                <Instances count="1"/>
              </Role>
            </ServiceConfiguration>
            """;

    @AfterEach
    void stop() throws Exception {
        if (platform != null) platform.close();
        for (long pid : ChildJvm.processesMentioning(dir.toString())) ChildJvm.kill9(pid);
    }

    /** The sample image without its agent: init starts the app once, so an app that stops stays stopped. */
    private Path agentlessSample() throws Exception {
        Path raw = dir.resolve("plain.raw");
        sh("qemu-img convert -O raw " + SampleImage.ensure() + " " + raw);
        Path inittab = dir.resolve("inittab");
        Files.writeString(inittab, "::sysinit:/etc/init.d/rcS\n::once:/etc/vmrole/app 80\n::shutdown:/bin/sync\n::shutdown:/bin/umount -a -r\n");
        Path commands = dir.resolve("edit.debugfs");
        Files.writeString(commands, "rm /usr/lib/vmrole/agent\nrm /usr/lib/vmrole/VERSION\nrm /etc/inittab\nwrite " + inittab + " /etc/inittab\n");
        String start = sh("sfdisk --json " + raw + " | grep -o '\"start\": *[0-9]*' | tail -1 | grep -o '[0-9]*$'").strip();
        sh("debugfs -w -f " + commands + " '" + raw + "?offset=" + Long.parseLong(start) * 512 + "'");
        Path qcow2 = dir.resolve("plain.qcow2");
        sh("qemu-img convert -O qcow2 " + raw + " " + qcow2);
        return qcow2;
    }

    @Test
    void an_agentless_instance_is_ready_by_its_probe_then_leaves_rotation_and_is_healed_when_its_app_stops() throws Exception {
        platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(dir.resolve("data"), "127.0.0.1", 0, null, 1));
        ApiClient admin = new ApiClient(platform.apiUrl(), platform.firstAdministratorKey().orElseThrow());
        ApiClient tenant = SampleTenant.admitted(admin);
        JsonNode image = new ImageUploader(tenant, new PrintWriter(Writer.nullWriter())).upload(agentlessSample(), "plain-v1", null);
        assertThat(image.path("contents").path("agent").asText("missing")).as("upload inspection finds no agent").isEmpty();
        assertThat(image.path("contents").path("os").asText()).isNotBlank();
        tenant.post("/services", Map.of("name", "plain"));

        assertThat(refusal(() -> tenant.post("/services/plain/deployments/production", Map.of("definition", NO_ENDPOINT, "configuration", CONFIGURATION))))
                .contains("no vmrole guest agent").contains("InputEndpoint").contains("[NoHealthSource]");

        long asked = System.nanoTime();
        JsonNode op = tenant.post("/services/plain/deployments/production", Map.of("definition", DEFINITION, "configuration", CONFIGURATION));
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(250))
                .until(() -> "Succeeded".equals(tenant.get("/operations/" + op.path("id").asText()).path("status").asText()));
        System.out.printf("agentless sample: deploy to ReadyRole through its probe %.1f s (TCG)%n", (System.nanoTime() - asked) / 1e9);
        JsonNode instance = tenant.get("/services/plain/deployments/production").path("instances").get(0);
        assertThat(instance.path("state").asText()).isEqualTo("ReadyRole");
        assertThat(instance.path("healthFrom").asText()).isEqualTo("probe");
        assertThat(instance.path("agent").asText()).isEmpty();
        int hostPort = instance.path("endpoints").get(0).path("hostPort").asInt();
        assertThat(get(hostPort, "/")).startsWith("instance=");
        await().atMost(Duration.ofSeconds(30)).until(() -> tenant.get("/services/plain/deployments/production")
                .path("loadBalancer").path(0).path("inRotation").size() == 1);

        assertThat(get(hostPort, "/stop-app")).contains("app stops");
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250)).until(() -> {
            JsonNode d = tenant.get("/services/plain/deployments/production");
            return !d.path("instances").get(0).path("state").asText().equals("ReadyRole") && d.path("loadBalancer").path(0).path("inRotation").isEmpty();
        });
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode healed = tenant.get("/services/plain/deployments/production").path("instances").get(0);
            assertThat(healed.path("state").asText()).isEqualTo("ReadyRole");
            assertThat(healed.path("lastCause").asText()).contains("probe");
        });
        assertThat(get(tenant.get("/services/plain/deployments/production").path("instances").get(0).path("endpoints").get(0).path("hostPort").asInt(), "/"))
                .startsWith("instance=");
    }

    private static String refusal(Runnable call) {
        try {
            call.run();
        } catch (CliFailure f) {
            return f.getMessage();
        }
        throw new AssertionError("the deployment was accepted");
    }

    private static String get(int port, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return r.body();
    }

    private static String sh(String script) throws Exception {
        Process p = new ProcessBuilder(List.of("sh", "-c", script)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(script).isZero();
        return out;
    }
}
