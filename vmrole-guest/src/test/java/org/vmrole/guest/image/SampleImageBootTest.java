package org.vmrole.guest.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots the sample image under plain QEMU (TCG) and plays the host's side of the agent channel:
 * hello, environment, heartbeats up to Ready, the app through the forwarded port, a settings
 * change, then stop.
 */
@Tag("vm")
class SampleImageBootTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Process qemu;
    private SocketChannel agent;

    @AfterEach
    void stopQemu() throws IOException {
        if (agent != null) {
            agent.close();
        }
        if (qemu != null && qemu.isAlive()) {
            qemu.destroyForcibly();
        }
    }

    @Test
    void boots_says_hello_turns_ready_serves_its_instance_id_takes_a_settings_change_and_powers_off_on_stop() throws Exception {
        Path image = SampleImage.ensure();
        Path socket = dir.resolve("agent.sock");
        int port = freePort();
        long started = System.nanoTime();
        qemu = qemu(image, port, "-device", "virtio-serial-pci",
                "-chardev", "socket,id=agent,path=" + socket + ",server=on,wait=off",
                "-device", "virtserialport,chardev=agent,name=org.vmrole.agent",
                "-device", "pvpanic");

        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(socket));
        agent = SocketChannel.open(StandardProtocolFamily.UNIX);
        agent.connect(UnixDomainSocketAddress.of(socket));
        OutputStream toGuest = Channels.newOutputStream(agent);
        InputStream fromChannel = Channels.newInputStream(agent);
        List<JsonNode> fromGuest = new CopyOnWriteArrayList<>();
        Thread.ofVirtual().start(() -> readLines(fromChannel, fromGuest, toGuest));

        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(100))
                .until(() -> fromGuest.stream().anyMatch(m -> m.path("status").asText().equals("Ready")));
        System.out.printf("sample image: QEMU start to first Ready heartbeat %.1f s (TCG)%n",
                (System.nanoTime() - started) / 1e9);
        assertThat(fromGuest.get(0).path("type").asText()).isEqualTo("hello");
        assertThat(fromGuest.get(0).path("agent").asText()).isEqualTo("vmrole-agent/" + org.vmrole.guest.agent.AgentPackage.version());

        assertThat(get(port, "/")).startsWith("instance=WebVM_IN_7 incarnation=4 uptime=");

        send(toGuest, Map.of("type", "changing", "settings", Map.of("Greeting", "bonjour")));
        await().atMost(Duration.ofSeconds(30)).until(() -> fromGuest.stream().anyMatch(m -> m.path("type").asText().equals("change-ack")));
        assertThat(fromGuest.stream().filter(m -> m.path("type").asText().equals("change-ack")).findFirst().orElseThrow()
                .path("restart").asBoolean(true)).isFalse();
        send(toGuest, Map.of("type", "changed", "settings", Map.of("Greeting", "bonjour")));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(get(port, "/environment"))
                .contains("VMROLE_SETTING_Greeting='bonjour'").doesNotContain("'hello'").contains("VMROLE_INSTANCE_ID='WebVM_IN_7'"));

        send(toGuest, Map.of("type", "stop", "deadlineSeconds", 10));
        await().atMost(Duration.ofSeconds(60)).until(() -> !qemu.isAlive());
        assertThat(qemu.exitValue()).as("QEMU exits cleanly when the guest powers off").isZero();
    }

    @Test
    void booted_by_plain_qemu_without_agent_port_or_config_drive_it_still_serves_http() throws Exception {
        Path image = SampleImage.ensure();
        int port = freePort();
        long started = System.nanoTime();
        qemu = qemu(image, port);

        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .untilAsserted(() -> assertThat(get(port, "/")).startsWith("instance="));
        System.out.printf("sample image, bare QEMU without agent port: start to first HTTP answer %.1f s (TCG)%n",
                (System.nanoTime() - started) / 1e9);
    }

    /** The image under TCG with its port 80 on {@code port}, a NIC, and {@code devices}; the serial console in serial.log. */
    private Process qemu(Path image, int port, String... devices) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of("qemu-system-x86_64", "-accel", "tcg", "-machine", "q35", "-m", "256",
                "-nographic", "-sandbox", "on",
                "-drive", "file=" + image + ",format=qcow2,if=virtio,snapshot=on",
                "-netdev", "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:" + port + "-:80",
                "-device", "virtio-net-pci,netdev=n0"));
        command.addAll(List.of(devices));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("serial.log").toFile()).start();
    }

    /** The host's half of the protocol: answer every hello with this instance's environment. */
    private static void readLines(InputStream channel, List<JsonNode> fromGuest, OutputStream toGuest) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(channel, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                JsonNode message = JSON.readTree(line);
                fromGuest.add(message);
                if (message.path("type").asText().equals("hello")) {
                    send(toGuest, Map.of("type", "environment", "deploymentId", "d-test", "role", "WebVM",
                            "instanceId", "WebVM_IN_7", "incarnation", 4, "updateDomain", 2, "faultDomain", 0,
                            "settings", Map.of("Greeting", "hello"),
                            "endpoints", Map.of("HttpIn", Map.of("protocol", "http", "port", 80))));
                }
            }
        } catch (IOException e) {
            // The channel closes when the guest powers off.
        }
    }

    private static void send(OutputStream out, Map<String, Object> message) throws IOException {
        synchronized (out) {
            out.write((JSON.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private static String get(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return response.body();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
