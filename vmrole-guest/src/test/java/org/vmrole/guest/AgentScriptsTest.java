package org.vmrole.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the agent's awk programs under the host's busybox, the same awk the guest runs. */
class AgentScriptsTest {

    private static final String ENVIRONMENT = """
            {"type":"environment","deploymentId":"d-7f3c","role":"WebVM","instanceId":"WebVM_IN_0","incarnation":2,\
            "updateDomain":0,"faultDomain":1,"settings":{"Greeting":"it's \\"hi\\"","Microsoft.Plugin.Key":"a\\u0041"},\
            "endpoints":{"HttpIn":{"protocol":"http","port":8080},"Admin":{"protocol":"tcp","port":22}},"extra":[1,{"x":null}]}""";

    @TempDir
    Path dir;

    @Test
    void flattens_a_json_message_into_paths_and_values() throws Exception {
        List<String> flat = awk("json.awk", ENVIRONMENT, List.of());

        assertThat(flat).contains("type\tenvironment", "incarnation\t2", "settings/Greeting\tit's \"hi\"",
                "settings/Microsoft.Plugin.Key\taA", "endpoints/HttpIn/port\t8080", "endpoints/Admin/protocol\ttcp",
                "extra/0\t1", "extra/1/x\tnull");
    }

    @Test
    void writes_the_environment_as_shell_assignments_with_the_first_endpoint_as_the_app_port() throws Exception {
        String flat = String.join("\n", awk("json.awk", ENVIRONMENT, List.of())) + "\n";
        List<String> env = awk("environment.awk", flat, List.of());

        assertThat(env).contains("VMROLE_INSTANCE_ID='WebVM_IN_0'", "VMROLE_INCARNATION='2'", "VMROLE_FAULT_DOMAIN='1'",
                "VMROLE_SETTING_Greeting='it'\\''s \"hi\"'", "VMROLE_SETTING_Microsoft_Plugin_Key='aA'",
                "VMROLE_ENDPOINT_HttpIn_PORT='8080'", "VMROLE_PORT='8080'");
    }

    @Test
    void takes_only_the_settings_from_a_changed_message() throws Exception {
        String flat = String.join("\n", awk("json.awk", "{\"type\":\"changed\",\"settings\":{\"Greeting\":\"bye\"}}", List.of())) + "\n";

        assertThat(awk("environment.awk", flat, List.of("-v", "only=settings")))
                .containsExactly("VMROLE_SETTING_Greeting='bye'");
    }

    @Test
    void defaults_the_app_port_to_80_when_the_role_declares_no_endpoint() throws Exception {
        String flat = String.join("\n", awk("json.awk", "{\"type\":\"environment\",\"instanceId\":\"W_IN_1\",\"endpoints\":{}}", List.of())) + "\n";

        assertThat(awk("environment.awk", flat, List.of())).contains("VMROLE_PORT='80'");
    }

    @Test
    void names_the_roles_drives_in_their_order_with_device_and_mode() throws Exception {
        String flat = String.join("\n", awk("json.awk", """
                {"type":"environment","instanceId":"W_IN_0","endpoints":{},"drives":{"logs":{"device":"/dev/disk/by-id/virtio-logs","mode":"write"},\
                "base":{"device":"/dev/disk/by-id/virtio-base","mode":"snapshot"}}}""", List.of())) + "\n";

        assertThat(awk("environment.awk", flat, List.of())).contains("VMROLE_DRIVE_logs_DEVICE='/dev/disk/by-id/virtio-logs'",
                "VMROLE_DRIVE_logs_MODE='write'", "VMROLE_DRIVE_base_MODE='snapshot'", "VMROLE_DRIVES='logs base'");
    }

    private static final String NETWORKED = """
            {"type":"environment","instanceId":"Web_IN_0","endpoints":{"HttpIn":{"protocol":"http","port":80}},\
            "network":{"address":"10.128.0.10","prefixLength":9,"mac":"52:54:0a:80:00:0a","instances":[\
            {"role":"Web","instanceId":"Web_IN_0","address":"10.128.0.10","endpoints":{"Peer":{"protocol":"tcp","port":8080}}},\
            {"role":"Web","instanceId":"Web_IN_1","address":"10.128.0.11","endpoints":{"Peer":{"protocol":"tcp","port":8080}}},\
            {"role":"Worker","instanceId":"Worker_IN_0","address":"10.130.0.10","endpoints":{}}]}}""";

    @Test
    void gives_the_app_its_private_address_and_its_own_roles_internal_ports() throws Exception {
        String flat = String.join("\n", awk("json.awk", NETWORKED, List.of())) + "\n";

        assertThat(awk("environment.awk", flat, List.of())).contains("VMROLE_ADDRESS='10.128.0.10'", "VMROLE_INTERNAL_Peer_PORT='8080'",
                "VMROLE_INTERNAL_PORTS='8080'", "VMROLE_PORT='80'");
    }

    @Test
    void lists_every_instance_on_the_private_network_with_its_internal_endpoints() throws Exception {
        String flat = String.join("\n", awk("json.awk", NETWORKED, List.of())) + "\n";

        assertThat(awk("peers.awk", flat, List.of())).containsExactly(
                "Web_IN_0 Web 10.128.0.10 Peer tcp 8080",
                "Web_IN_1 Web 10.128.0.11 Peer tcp 8080",
                "Worker_IN_0 Worker 10.130.0.10 - - -");
    }

    @Test
    void http_probe_tells_a_2xx_answer_from_an_error_through_bash_without_nc() throws Exception {
        try (AnsweringServer ok = new AnsweringServer(200); AnsweringServer broken = new AnsweringServer(503)) {
            Path noNc = binDirectory("bash", "timeout", "head", "grep", "printf");
            assertThat(httpProbe(noNc, ok.port())).isZero();
            assertThat(httpProbe(noNc, broken.port())).isOne();
        }
    }

    @Test
    void http_probe_uses_busybox_nc_where_there_is_no_bash() throws Exception {
        try (AnsweringServer ok = new AnsweringServer(200); AnsweringServer broken = new AnsweringServer(503)) {
            Path busybox = binDirectory();
            for (String applet : List.of("nc", "timeout", "head", "grep", "printf")) {
                Files.createSymbolicLink(busybox.resolve(applet), Path.of("/usr/bin/busybox"));
            }
            assertThat(httpProbe(busybox, ok.port())).isZero();
            assertThat(httpProbe(busybox, broken.port())).isOne();
            assertThat(httpProbe(busybox, freePort())).isOne();
        }
    }

    @Test
    void the_agents_listening_check_sees_a_listening_port_and_not_a_closed_one() throws Exception {
        try (AnsweringServer app = new AnsweringServer(200)) {
            assertThat(agentFunction("listening", app.port())).isZero();
            assertThat(agentFunction("listening", freePort())).isOne();
        }
    }

    @Test
    void the_agent_looks_for_its_app_four_times_a_second_and_stops_at_its_first_answer() throws Exception {
        try (AnsweringServer ready = new AnsweringServer(200); AnsweringServer starting = new AnsweringServer(503)) {
            assertThat(agentFunction("await_app", ready.port())).isZero();
            assertThat(ready.requests()).as("stopped at the first answer").isEqualTo(1);
            assertThat(agentFunction("await_app", starting.port())).isZero();
            assertThat(starting.requests()).as("a probe every quarter second for a second").isEqualTo(4);
            assertThat(agentFunction("await_app", freePort())).as("nothing listens: no probe at all").isZero();
        }
    }

    /**
     * Runs one function of the agent script under busybox sh (as the sample image does), with the script's other
     * functions defined and its main part left out, and {@code VMROLE_PORT} set; its exit status.
     */
    private int agentFunction(String name, int port) throws IOException, InterruptedException {
        String agent;
        try (var in = AgentScriptsTest.class.getResourceAsStream("/guest/rootfs/usr/lib/vmrole/agent")) {
            agent = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Path probe = dir.resolve("http-probe");
        try (var in = AgentScriptsTest.class.getResourceAsStream("/guest/rootfs/usr/lib/vmrole/http-probe")) {
            Files.write(probe, in.readAllBytes());
        }
        String functions = agent.substring(0, agent.indexOf("\nstart_without_host\n"));
        Path script = dir.resolve("agent-" + name);
        Files.writeString(script, functions.replace("RUN=/run/vmrole", "RUN=" + dir) + "\nLIB=" + dir + "\nchmod +x $LIB/http-probe\nVMROLE_PORT=" + port + "\n" + name + " \"$VMROLE_PORT\"\n");
        Path busybox = binDirectory();
        for (String applet : List.of("sh", "nc", "timeout", "head", "grep", "printf", "sleep", "mkdir", "cat", "chmod")) {
            Files.createSymbolicLink(busybox.resolve(applet), Path.of("/usr/bin/busybox"));
        }
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/busybox", "sh", script.toString()).redirectErrorStream(true);
        pb.environment().put("PATH", busybox.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).as(out).isTrue();
        return p.exitValue();
    }

    /** A directory holding links to only these host programs: the PATH of a guest that lacks the rest. */
    private Path binDirectory(String... programs) throws IOException {
        Path bin = Files.createTempDirectory(dir, "bin");
        for (String p : programs) {
            Path target = Path.of("/usr/bin", p);
            if (!Files.exists(target)) target = Path.of("/bin", p);
            Files.createSymbolicLink(bin.resolve(p), target);
        }
        return bin;
    }

    private int httpProbe(Path bin, int port) throws IOException, InterruptedException {
        Path script = dir.resolve("http-probe");
        if (!Files.exists(script)) {
            try (var in = AgentScriptsTest.class.getResourceAsStream("/guest/rootfs/usr/lib/vmrole/http-probe")) {
                Files.write(script, in.readAllBytes());
            }
        }
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/busybox", "sh", script.toString(), Integer.toString(port)).redirectErrorStream(true);
        pb.environment().put("PATH", bin.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).as(out).isTrue();
        return p.exitValue();
    }

    private static int freePort() throws IOException {
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** An HTTP server on 127.0.0.1 that answers every request with one status. */
    private static final class AnsweringServer implements AutoCloseable {
        private final com.sun.net.httpserver.HttpServer server;
        private final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();

        AnsweringServer(int status) throws IOException {
            server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                requests.incrementAndGet();
                exchange.sendResponseHeaders(status, -1);
                exchange.close();
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        int requests() {
            return requests.get();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @Test
    void the_drive_command_sends_a_mount_request_and_prints_the_device_or_the_hosts_refusal() throws Exception {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        for (String f : List.of("drive", "json.awk")) {
            try (var in = AgentScriptsTest.class.getResourceAsStream("/guest/rootfs/usr/lib/vmrole/" + f)) {
                Files.write(lib.resolve(f), in.readAllBytes());
            }
        }
        Path run = dir.resolve("run");

        Process mount = drive(lib, run, "mount", "extra", "http://10.0.2.2:10000/acct/drives/x.vhd", "sas=sv=1&se=2027-01-01&sig=a%2Bb");
        Path request = run.resolve("requests/extra.json");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> Files.exists(request));
        assertThat(Files.readString(request).strip()).isEqualTo("{\"type\":\"mount-drive\",\"name\":\"extra\",\"url\":\"http://10.0.2.2:10000/acct/drives/x.vhd\","
                + "\"sas\":\"sv=1&se=2027-01-01&sig=a%2Bb\",\"mode\":\"write\"}");
        Files.writeString(run.resolve("drives/extra.answer"), "{\"type\":\"drive-mounted\",\"name\":\"extra\",\"device\":\"/dev/disk/by-id/virtio-extra\",\"mode\":\"write\"}\n");
        assertThat(output(mount)).isEqualTo("/dev/disk/by-id/virtio-extra");
        assertThat(mount.exitValue()).isZero();

        Process refused = drive(lib, run, "mount", "other", "http://10.0.2.2:10000/theirs/drives/x.vhd", "key=a2V5", "snapshot");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> Files.exists(run.resolve("requests/other.json")));
        assertThat(Files.readString(run.resolve("requests/other.json"))).contains("\"accountKey\":\"a2V5\"", "\"mode\":\"snapshot\"");
        Files.writeString(run.resolve("drives/other.answer"), "{\"type\":\"drive-refused\",\"name\":\"other\",\"error\":\"not this subscription's\"}\n");
        assertThat(output(refused)).isEqualTo("drive other: not this subscription's");
        assertThat(refused.exitValue()).isOne();
    }

    private static Process drive(Path lib, Path run, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("busybox", "sh", lib.resolve("drive").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(java.util.Map.of("VMROLE_RUN", run.toString(), "VMROLE_LIB", lib.toString(), "VMROLE_DRIVE_WAIT", "20"));
        return pb.start();
    }

    private static String output(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private List<String> awk(String program, String input, List<String> options) throws IOException, InterruptedException {
        Path script = dir.resolve(program);
        try (var in = AgentScriptsTest.class.getResourceAsStream("/guest/rootfs/usr/lib/vmrole/" + program)) {
            Files.write(script, in.readAllBytes());
        }
        Path data = dir.resolve("input");
        Files.writeString(data, input + "\n", StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>(List.of("busybox", "awk"));
        command.addAll(options);
        command.addAll(List.of("-f", script.toString(), data.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().toList();
    }
}
