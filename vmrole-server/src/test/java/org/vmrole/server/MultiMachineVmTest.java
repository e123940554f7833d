package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.server.EmulatedMachines.Machine;
import org.vmrole.server.cli.ApiClient;

/**
 * A fleet of separate machines, emulated with network namespaces: a controller machine (API, controller, load balancer
 * forwarding in the kernel), two host machines in two fault domains and a client machine. A deployment made while one
 * host had joined is spread make-before-break when the second joins, failing none of the client's requests;
 * instances on both hosts carry the client's traffic through the load balancer and reach each other's internal
 * endpoints across the machines, their consoles come over the host link, a host whose address the controller cannot
 * reach is refused, a host taken out of service (drained) hands its instance to the other failing none of the client's
 * requests, and when a whole host machine dies its instance comes back on the other while the client goes on.
 */
@Tag("vm")
class MultiMachineVmTest {
    private static final String ADMIN_KEY = "vmr_multimachinetest_0123456789abcdefghij";

    @TempDir Path dir;
    EmulatedMachines machines;
    final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
        if (machines != null) machines.close();
    }

    private Process start(Machine m, String log, String... args) throws Exception {
        Process p = ChildJvm.start(dir.resolve(log), m.command(List.of()), args);
        processes.add(p);
        return p;
    }

    private Process host(Machine m, String name, int faultDomain, ApiClient admin, String... more) throws Exception {
        String token = admin.post("/hosts/" + name + "/join-token", Map.of()).get("joinToken").asText();
        List<String> args = new ArrayList<>(List.of("host", "--controller", "http://" + machines.machine("controller").address() + ":8080",
                "--name", name, "--fault-domain", String.valueOf(faultDomain), "--data", dir.resolve(name).toString(), "--join-token", token,
                "--cores", "2", "--memory-mib", "4096"));
        args.addAll(List.of(more));
        return start(m, name + ".log", args.toArray(String[]::new));
    }

    private static JsonNode instance(ApiClient tenant, String name) {
        for (JsonNode i : tenant.get("/services/web/deployments/production").path("instances")) {
            if (name.equals(i.path("instance").asText())) return i;
        }
        throw new AssertionError("no instance " + name);
    }

    /** The role keeps the SLA: one instance on each host machine. */
    private static void assertSpreadOverBothHosts(ApiClient tenant) {
        assertThat(tenant.get("/services/web/deployments/production").path("sla").path("ok").asBoolean()).isTrue();
        assertThat(List.of(instance(tenant, "WebVM_IN_0").path("host").asText(), instance(tenant, "WebVM_IN_1").path("host").asText()))
                .containsExactlyInAnyOrder("host-a", "host-b");
    }

    /** One request from the client machine; the answer's first line, or the failure. */
    private String fromClient(String url) throws Exception {
        Process p = new ProcessBuilder(machines.machine("client").command(List.of("curl", "-s", "-m", "5", url))).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return p.exitValue() == 0 ? out.lines().findFirst().orElse("") : "failed: curl exit " + p.exitValue();
    }

    /** One request of the client machine's loop: when it started and ended (ms since the epoch) and its HTTP status, 000 if none. */
    record Answer(long startedMs, long endedMs, String status) {
        boolean ok() {
            return status.equals("200");
        }
    }

    /** The client machine asking the balancer in a loop, one connection per request, each answer timed. */
    private final class ClientLoop {
        final List<Answer> results = Collections.synchronizedList(new ArrayList<>());
        private final Process client;
        private final Thread reader;

        ClientLoop(String url) throws Exception {
            client = new ProcessBuilder(machines.machine("client").command(List.of("timeout", "600", "sh", "-c",
                    "while :; do s=$(date +%s%3N); c=$(curl -s -m 2 -o /dev/null -w '%{http_code}' " + url + "); echo \"$s $(date +%s%3N) ${c:-000}\"; done")))
                    .redirectErrorStream(true).start();
            processes.add(client);
            reader = Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        String[] f = line.strip().split(" ");
                        results.add(f.length == 3 ? new Answer(Long.parseLong(f[0]), Long.parseLong(f[1]), f[2]) : new Answer(0, 0, line));
                    }
                } catch (Exception ended) {
                    // the loop was stopped
                }
            });
        }

        /** Stops once {@code more} further answers came (at most a minute from now). */
        List<Answer> stopAfter(int more) throws InterruptedException {
            int at = results.size();
            await().atMost(Duration.ofSeconds(60)).until(() -> results.size() >= at + more);
            return stop();
        }

        List<Answer> stop() throws InterruptedException {
            client.destroyForcibly().waitFor();
            reader.join(5_000);
            return List.copyOf(results);
        }
    }

    /** Milliseconds since the epoch at which the balancer on the controller machine stopped forwarding to {@code address}. */
    private Thread watchForwarding(Machine controller, String address, long[] goneAt) {
        return Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    Process nft = new ProcessBuilder(controller.command(List.of("nft", "list", "ruleset"))).redirectErrorStream(true).start();
                    String ruleset = new String(nft.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    nft.waitFor();
                    if (!ruleset.contains(address + " ") && !ruleset.contains(address + ":")) {
                        goneAt[0] = System.currentTimeMillis();
                        return;
                    }
                    Thread.sleep(10);
                }
            } catch (Exception stopped) {
                // the test ended first
            }
        });
    }

    @Test
    void hosts_on_other_machines_carry_the_clients_traffic_answer_for_their_consoles_and_survive_a_dead_machine() throws Exception {
        machines = EmulatedMachines.create("controller", "host-a", "host-b", "client");
        Machine controller = machines.machine("controller");
        start(controller, "server.log", "server", "--listen", controller.address(), "--port", "8080", "--hosts", "0", "--no-storage",
                "--data", dir.resolve("controller").toString(), "--admin-key", ADMIN_KEY);
        ApiClient admin = new ApiClient("http://" + controller.address() + ":8080", ADMIN_KEY);
        await().atMost(Duration.ofMinutes(1)).ignoreExceptions().until(() -> admin.get("/hosts") != null);

        // a host that gives an address the controller cannot reach is refused, naming the address
        String island = machines.isolatedAddress("host-b");
        Process stray = host(machines.machine("host-b"), "host-x", 1, admin, "--address", island);
        await().atMost(Duration.ofMinutes(1)).until(() -> Files.readString(dir.resolve("host-x.log")).contains("HostUnreachable"));
        assertThat(Files.readString(dir.resolve("host-x.log"))).contains(island);
        stray.destroyForcibly().waitFor();
        assertThat(admin.get("/hosts").path("hosts").toString()).doesNotContain("host-x");

        // the controller machine routes, so the balancer forwards the client machine's connections in the kernel, and
        // tracks TCP windows liberally, so their established packets take the eBPF fast path (docs/load-balancer.md)
        for (String setting : List.of("net.ipv4.ip_forward=1", "net.netfilter.nf_conntrack_tcp_be_liberal=1")) {
            Process sysctl = new ProcessBuilder(controller.command(List.of("sysctl", "-qw", setting))).inheritIO().start();
            assertThat(sysctl.waitFor()).as("sysctl " + setting + " on the controller machine").isZero();
        }

        // deployed while only host-a (fault domain 0) has joined: both instances there, the SLA at risk
        host(machines.machine("host-a"), "host-a", 0, admin);
        ApiClient tenant = SampleTenant.create(admin);
        tenant.post("/services", Map.of("name", "web"));
        long deployedAt = System.nanoTime();
        tenant.post("/services/web/deployments/production", Map.of(
                "definition", Files.readString(Path.of(getClass().getResource("/demo/ServiceDefinition.csdef").toURI()))
                        .replace("</Endpoints>", "  <InternalEndpoint name=\"Peer\" protocol=\"tcp\" port=\"8080\"/>\n    </Endpoints>"),
                "configuration", Files.readString(Path.of(getClass().getResource("/demo/ServiceConfiguration.cscfg").toURI()))));
        await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertThat(instance(tenant, "WebVM_IN_0").path("state").asText()).isEqualTo("ReadyRole");
            assertThat(instance(tenant, "WebVM_IN_1").path("state").asText()).isEqualTo("ReadyRole");
        });
        long bootMs = (System.nanoTime() - deployedAt) / 1_000_000;
        assertThat(tenant.get("/services/web/deployments/production").path("sla").path("reason").asText()).isEqualTo("all instances in fault domain 0");
        String lb = "http://" + tenant.get("/services/web/deployments/production").path("loadBalancer").path(0).path("address").asText() + "/";
        assertThat(lb).startsWith("http://" + controller.address() + ":");
        String lbPort = lb.replaceAll(".*:(\\d+)/$", "$1");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Process nft = new ProcessBuilder(controller.command(List.of("nft", "list", "ruleset"))).redirectErrorStream(true).start();
            String ruleset = new String(nft.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(ruleset).as("the client machine's connections are forwarded in the kernel")
                    .contains("hook prerouting").containsPattern("ip daddr " + controller.address().replace(".", "\\.") + " tcp dport " + lbPort + " dnat");
        });

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200)).until(() -> {
            String log = Files.readString(dir.resolve("server.log"));
            return log.contains("eBPF fast path of vmrole_lb_") || log.contains("without the eBPF fast path");
        });
        assertThat(Files.readString(dir.resolve("server.log"))).as("the fast path is on the controller machine's interface").containsPattern("eBPF fast path of vmrole_lb_\\S+ attached to ");

        // host-b (fault domain 1) joins while the client machine keeps asking: the role is spread make-before-break
        ClientLoop spreading = new ClientLoop(lb);
        await().atMost(Duration.ofSeconds(30)).until(() -> spreading.results.size() >= 20);
        long joinedAt = System.nanoTime();
        host(machines.machine("host-b"), "host-b", 1, admin);
        await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertSpreadOverBothHosts(tenant);
        });
        long spreadMs = (System.nanoTime() - joinedAt) / 1_000_000;
        // past the old copy's drain and stop
        List<Answer> duringSpread = spreading.stopAfter(60);
        long failedDuringSpread = duringSpread.stream().filter(r -> !r.ok()).count();
        System.out.printf("late host: deployment ready on host-a after %d ms; spread over both fault domains %d ms after host-b started; "
                + "%d requests from the client machine, %d failed%n", bootMs, spreadMs, duringSpread.size(), failedDuringSpread);
        assertThat(failedDuringSpread).as("failed requests from the client machine while the role was spread").isZero();
        assertThat(spreadMs).as("spread within about one boot time (the deployment's own boot took %d ms)", bootMs).isLessThan(2 * bootMs + 30_000);

        Map<String, String> addressOf = Map.of("host-a", machines.machine("host-a").address(), "host-b", machines.machine("host-b").address());
        Set<String> hostsUsed = new HashSet<>();
        for (String name : List.of("WebVM_IN_0", "WebVM_IN_1")) {
            JsonNode i = instance(tenant, name);
            hostsUsed.add(i.path("host").asText());
            assertThat(i.path("endpoints").path(0).path("reachedAt").asText()).startsWith(addressOf.get(i.path("host").asText()) + ":");
        }
        assertThat(hostsUsed).containsExactlyInAnyOrder("host-a", "host-b");

        // the client machine reaches both instances through the load balancer on the controller machine
        Set<String> answered = new HashSet<>();
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> {
            answered.add(fromClient(lb).replaceAll(" .*", ""));
            assertThat(answered).contains("instance=WebVM_IN_0", "instance=WebVM_IN_1");
        });

        // the instances' internal endpoints reach each other across the machines
        for (String[] pair : new String[][] {{"WebVM_IN_0", "WebVM_IN_1"}, {"WebVM_IN_1", "WebVM_IN_0"}}) {
            String at = instance(tenant, pair[0]).path("endpoints").path(0).path("reachedAt").asText();
            String peer = instance(tenant, pair[1]).path("privateAddress").asText();
            await().atMost(Duration.ofMinutes(1)).untilAsserted(() ->
                    assertThat(fromClient("http://" + at + "/peer?address=" + peer + "&port=8080")).as(pair[0] + " asks " + pair[1]).contains("instance=" + pair[1]));
        }

        // the console of an instance on another machine comes over the host link
        String onB = instance(tenant, "WebVM_IN_0").path("host").asText().equals("host-b") ? "WebVM_IN_0" : "WebVM_IN_1";
        assertThat(tenant.getText("/services/web/deployments/production/instances/" + onB + "/console?bytes=65536")).contains("vmrole-agent: started");

        // host-b is taken out of service while the client machine keeps asking: its instance moves to host-a and no
        // request fails; back in service, the role is spread over both machines again, make-before-break
        ClientLoop draining = new ClientLoop(lb);
        await().atMost(Duration.ofSeconds(30)).until(() -> draining.results.size() >= 20);
        long drainedAt = System.nanoTime();
        admin.post("/hosts/host-b/drain", Map.of());
        await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertThat(instance(tenant, onB).path("host").asText()).isEqualTo("host-a");
            assertThat(instance(tenant, onB).path("state").asText()).isEqualTo("ReadyRole");
            assertThat(ChildJvm.processesMentioning(dir.resolve("host-b") + "/")).as("no VM left on the drained host").isEmpty();
        });
        long drainMs = (System.nanoTime() - drainedAt) / 1_000_000;
        admin.post("/hosts/host-b/undrain", Map.of());
        long undrainedAt = System.nanoTime();
        await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertSpreadOverBothHosts(tenant);
            assertThat(ChildJvm.processesMentioning(dir.resolve("host-a") + "/")).as("the moved copy stopped on host-a").hasSize(1);
        });
        long respreadMs = (System.nanoTime() - undrainedAt) / 1_000_000;
        List<Answer> duringDrain = draining.stopAfter(20);
        long failedDuringDrain = duringDrain.stream().filter(r -> !r.ok()).count();
        System.out.printf("host drained: %s ReadyRole on host-a, nothing left on host-b, %d ms after the drain; spread again %d ms after the "
                + "undrain; %d requests from the client machine, %d failed%n", onB, drainMs, respreadMs, duringDrain.size(), failedDuringDrain);
        assertThat(failedDuringDrain).as("failed requests from the client machine while host-b was drained and the role spread again").isZero();

        // host-b's machine dies (every process killed, its cable pulled) while the client keeps asking
        String onBNow = instance(tenant, "WebVM_IN_0").path("host").asText().equals("host-b") ? "WebVM_IN_0" : "WebVM_IN_1";
        ClientLoop loop = new ClientLoop(lb);
        List<Answer> results = loop.results;
        await().atMost(Duration.ofSeconds(30)).until(() -> results.size() >= 20);
        long[] forwardingGoneAt = {0};
        Thread forwardingWatch = watchForwarding(controller, machines.machine("host-b").address(), forwardingGoneAt);
        long killedAtMs = System.currentTimeMillis();
        long killedAt = System.nanoTime();
        machines.killAll("host-b");
        machines.unplug("host-b");
        await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertThat(instance(tenant, onBNow).path("host").asText()).isEqualTo("host-a");
            assertThat(instance(tenant, onBNow).path("state").asText()).isEqualTo("ReadyRole");
        });
        long recoveredMs = (System.nanoTime() - killedAt) / 1_000_000;
        int before = results.size();
        await().atMost(Duration.ofSeconds(60)).until(() -> results.size() >= before + 20);
        List<Answer> seen = loop.stop();
        forwardingWatch.interrupt();
        List<Answer> failed = seen.stream().filter(a -> !a.ok()).toList();
        String window = failed.isEmpty() ? "none failed"
                : String.format("failed requests started %d to %d ms after the kill (a window of %d ms), the last ended %d ms after it",
                        failed.getFirst().startedMs() - killedAtMs, failed.getLast().startedMs() - killedAtMs,
                        failed.getLast().startedMs() - failed.getFirst().startedMs(), failed.getLast().endedMs() - killedAtMs);
        System.out.printf("host machine killed: %d requests from the client machine, %d failed (%s); the balancer stopped forwarding to host-b "
                + "%s after the kill; instance ReadyRole on host-a after %d ms%n", seen.size(), failed.size(), window,
                forwardingGoneAt[0] == 0 ? "never" : (forwardingGoneAt[0] - killedAtMs) + " ms", recoveredMs);
        assertThat(seen.subList(seen.size() - 10, seen.size())).as("the client is served again after the move").allMatch(Answer::ok);
        assertThat(forwardingGoneAt[0]).as("the balancer stopped forwarding to the dead host's backend").isPositive();
    }
}
