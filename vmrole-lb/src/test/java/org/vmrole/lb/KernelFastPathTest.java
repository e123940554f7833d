package org.vmrole.lb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The eBPF fast path between machines: a client, a balancer and a backend machine, emulated with network namespaces on
 * one bridge (as {@code scripts/bench-lb-machines.sh} does; created here and removed after each test), each role a
 * process of its own ({@link MachineRole}). The balancer machine routes packets and tracks TCP windows liberally, as the
 * fast path needs. Needs root, clang, libbpf-dev and bpftool; fails saying so without them.
 */
class KernelFastPathTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NET = "10.217." + (ProcessHandle.current().pid() % 250 + 1);
    private static final String CLIENT = NET + ".2", LB = NET + ".3", BACKEND = NET + ".4";

    private final String prefix = "vmfp" + ProcessHandle.current().pid() % 10000;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Role> roles = new ArrayList<>();

    @BeforeEach
    void machines() throws Exception {
        // fails, not skips, where it cannot run: ./test installs the packages and runs as root
        assertThat(ProcessHandle.current().info().user().orElse("")).as("emulated machines (network namespaces) need root").isEqualTo("root");
        assertThat(runs("clang", "--version") && runs("bpftool", "version"))
                .as("the fast path needs clang, libbpf-dev and bpftool (apt-get install clang libbpf-dev bpftool)").isTrue();
        String sw = ns("switch");
        ip("netns", "exec", sw, "ip", "link", "add", "sw", "type", "bridge");
        ip("netns", "exec", sw, "ip", "link", "set", "sw", "up");
        int host = 2;
        for (String m : List.of("client", "lb", "backend")) {
            String n = ns(m);
            ip("-n", sw, "link", "add", "port" + m, "type", "veth", "peer", "name", "eth0", "netns", n);
            ip("-n", sw, "link", "set", "port" + m, "master", "sw", "up");
            ip("-n", n, "link", "set", "lo", "up");
            ip("-n", n, "addr", "add", NET + "." + host++ + "/24", "dev", "eth0");
            ip("-n", n, "link", "set", "eth0", "up");
        }
        ip("netns", "exec", ns("lb"), "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.netfilter.nf_conntrack_tcp_be_liberal=1");
    }

    @AfterEach
    void removeMachines() throws Exception {
        for (Role r : roles) {
            r.close();
        }
        for (String n : namespaces.reversed()) {
            ip("netns", "del", n);
        }
    }

    @Test
    void a_connection_on_the_fast_path_carries_data_both_ways_and_its_close_ends_the_connection_tracking_entry() throws Exception {
        backendMachine("a=9001");
        Role balancer = balancerMachine("a=" + BACKEND + ":9001");
        int port = balancer.port();
        long forwardedBefore = fastPathForwarded();

        Role client = role("client", "client", LB + ":" + port);
        client.send("bulk 8000000");
        assertThat(client.answer()).isEqualTo("echoed 8000000");
        assertThat(fastPathForwarded() - forwardedBefore).as("packets the fast path forwarded").isGreaterThan(100);
        assertThat(openToBackend(9001)).as("open while the client holds it").isPositive();

        client.send("close");
        assertThat(client.answer()).isEqualTo("closed");
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(openToBackend(9001))
                .as("the FIN went through connection tracking, translated, after megabytes it did not see").isZero());
        assertThat(conntrack()).as("closing as TCP does, not an entry left ESTABLISHED for days").containsAnyOf("TIME_WAIT", "CLOSE ");
    }

    @Test
    void a_drained_backend_gets_no_new_connection_and_its_drain_ends_when_its_fast_pathed_connection_closes() throws Exception {
        backendMachine("a=9001", "b=9002");
        Role balancer = balancerMachine("a=" + BACKEND + ":9001", "b=" + BACKEND + ":9002");
        int port = balancer.port();
        Role onA = null;
        List<Role> others = new ArrayList<>();
        while (onA == null) {
            Role c = role("client", "client", LB + ":" + port);
            c.send("who");
            if (c.answer().equals("a")) onA = c; else others.add(c);
        }
        onA.send("bulk 2000000");
        assertThat(onA.answer()).isEqualTo("echoed 2000000");

        balancer.send("drain a");
        assertThat(balancer.answer()).isEqualTo("draining");
        List<String> whoAnswered = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Role c = role("client", "client", LB + ":" + port);
            c.send("who");
            whoAnswered.add(c.answer());
            c.send("close");
        }
        assertThat(whoAnswered).as("new connections after the drain began").containsOnly("b");
        onA.send("bulk 2000000");
        assertThat(onA.answer()).as("the open connection to a still works, on the fast path").isEqualTo("echoed 2000000");
        assertThat(balancer.pending()).as("the drain waits for it").doesNotContain("drained a");

        onA.send("close");
        assertThat(balancer.answer(Duration.ofMinutes(1))).isEqualTo("drained a");
        for (Role c : others) c.send("close");
    }

    @Test
    void a_balancer_killed_without_closing_leaves_its_program_and_the_next_one_removes_it() throws Exception {
        backendMachine("a=9001");
        Role killed = balancerMachine("a=" + BACKEND + ":9001");
        List<String> before = fastPathFilters();
        assertThat(before).hasSize(1);
        killed.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertThat(fastPathFilters()).as("the kernel keeps a filter whose process is gone").isEqualTo(before);

        balancerMachine("a=" + BACKEND + ":9001");

        List<String> after = fastPathFilters();
        assertThat(after).hasSize(1).doesNotContainAnyElementsOf(before);
        assertThat(compiledIn(before.getFirst())).as("the killed balancer's compiled program").isEmpty();
        assertThat(compiledIn(after.getFirst())).as("the running one's").hasSize(1);
    }

    /** The directories holding the program named {@code filterName} ({@code <table>.o:[tc]}). */
    private static List<Path> compiledIn(String filterName) throws IOException {
        String table = filterName.substring(0, filterName.indexOf(".o:"));
        try (var dirs = java.nio.file.Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return dirs.filter(d -> d.getFileName().toString().startsWith(table + "-")).toList();
        }
    }

    /** The names of the fast path programs on the balancer machine's interface. */
    private List<String> fastPathFilters() throws Exception {
        List<String> names = new ArrayList<>();
        for (JsonNode f : JSON.readTree(run("ip", "netns", "exec", ns("lb"), "tc", "-j", "filter", "show", "dev", "eth0", "ingress"))) {
            if (f.path("options").has("bpf_name")) names.add(f.path("options").path("bpf_name").asText());
        }
        return names;
    }

    private void backendMachine(String... namesAndPorts) throws Exception {
        List<String> args = new ArrayList<>(List.of("backend"));
        args.addAll(List.of(namesAndPorts));
        Role backend = role("backend", args.toArray(String[]::new));
        assertThat(backend.answer()).isEqualTo("ready");
    }

    private Role balancerMachine(String... backends) throws Exception {
        List<String> args = new ArrayList<>(List.of("balancer", LB));
        args.addAll(List.of(backends));
        Role balancer = role("lb", args.toArray(String[]::new));
        String[] ready = balancer.answer(Duration.ofMinutes(3)).split(" ");
        assertThat(ready[0]).isEqualTo("ready");
        assertThat(ready[2]).as("the interfaces the fast path is on").isEqualTo("eth0");
        balancer.port = Integer.parseInt(ready[1]);
        return balancer;
    }

    /** Packets the balancer's fast path forwarded so far: its "stats" map (per CPU), entry 0. */
    private long fastPathForwarded() throws Exception {
        JsonNode filters = JSON.readTree(run("ip", "netns", "exec", ns("lb"), "tc", "-j", "filter", "show", "dev", "eth0", "ingress"));
        String prog = null;
        for (JsonNode f : filters) {
            if (f.path("options").has("prog")) prog = f.path("options").path("prog").path("id").asText();
        }
        for (JsonNode id : JSON.readTree(run("bpftool", "-j", "prog", "show", "id", prog)).path("map_ids")) {
            if (JSON.readTree(run("bpftool", "-j", "map", "show", "id", id.asText())).path("name").asText().equals("stats")) {
                long forwarded = 0;
                for (JsonNode cpu : JSON.readTree(run("bpftool", "-j", "map", "dump", "id", id.asText())).get(0).path("formatted").path("values")) {
                    forwarded += cpu.path("value").asLong();
                }
                return forwarded;
            }
        }
        throw new AssertionError("the fast path program has no stats map");
    }

    private String conntrack() throws Exception {
        return run("ip", "netns", "exec", ns("lb"), "cat", "/proc/net/nf_conntrack");
    }

    private int openToBackend(int port) throws Exception {
        return Conntrack.openTo(conntrack(), new InetSocketAddress(BACKEND, port));
    }

    private String ns(String machine) throws Exception {
        String name = prefix + machine;
        if (!namespaces.contains(name)) {
            namespaces.add(name);
            ip("netns", "add", name);
        }
        return name;
    }

    private static void ip(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        run(cmd.toArray(String[]::new));
    }

    private static boolean runs(String... cmd) {
        try {
            run(cmd);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static String run(String... cmd) {
        return Command.run(List.of(cmd), "", 60, "install iproute2, clang, libbpf-dev and bpftool");
    }

    private Role role(String machine, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns(machine),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), MachineRole.class.getName()));
        cmd.addAll(List.of(args));
        Role r = new Role(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        roles.add(r);
        return r;
    }

    /** A machine's process: commands in, answer lines out (log lines in between are kept for a failure's message). */
    private static final class Role implements AutoCloseable {
        private final Process process;
        private final Writer in;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final List<String> seen = new ArrayList<>();
        int port;

        Role(Process process) {
            this.process = process;
            this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            Thread.ofVirtual().start(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = out.readLine()) != null) lines.add(line);
                } catch (IOException e) {
                    // the process ended
                }
            });
        }

        int port() {
            return port;
        }

        void send(String command) throws IOException {
            in.write(command + "\n");
            in.flush();
        }

        String answer() throws InterruptedException {
            return answer(Duration.ofMinutes(1));
        }

        /** The next answer line, skipping log lines (which start with a time of day). */
        String answer(Duration within) throws InterruptedException {
            long deadline = System.nanoTime() + within.toNanos();
            while (true) {
                String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) throw new AssertionError("no answer within " + within + "; the process said: " + seen);
                seen.add(line);
                if (!line.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*")) return line;
            }
        }

        /** Answer lines so far not taken. */
        List<String> pending() {
            return List.copyOf(lines);
        }

        @Override
        public void close() throws Exception {
            try {
                in.close();
            } catch (IOException e) {
                // already gone
            }
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
