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
 * A fleet of separate machines, emulated with network namespaces: a controller machine (API, controller, load balancer),
 * two host machines in two fault domains and a client machine. Instances on both hosts carry the client's traffic
 * through the load balancer, their consoles come over the host link, a host whose address the controller cannot
 * reach is refused, and when a whole host machine dies its instance comes back on the other while the client goes on.
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

    /** One request from the client machine; the answer's first line, or the failure. */
    private String fromClient(String url) throws Exception {
        Process p = new ProcessBuilder(machines.machine("client").command(List.of("curl", "-s", "-m", "5", url))).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return p.exitValue() == 0 ? out.lines().findFirst().orElse("") : "failed: curl exit " + p.exitValue();
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

        host(machines.machine("host-a"), "host-a", 0, admin);
        host(machines.machine("host-b"), "host-b", 1, admin);
        ApiClient tenant = SampleTenant.create(admin);
        tenant.post("/services", Map.of("name", "web"));
        tenant.post("/services/web/deployments/production", Map.of(
                "definition", Files.readString(Path.of(getClass().getResource("/demo/ServiceDefinition.csdef").toURI())),
                "configuration", Files.readString(Path.of(getClass().getResource("/demo/ServiceConfiguration.cscfg").toURI()))));
        await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertThat(instance(tenant, "WebVM_IN_0").path("state").asText()).isEqualTo("ReadyRole");
            assertThat(instance(tenant, "WebVM_IN_1").path("state").asText()).isEqualTo("ReadyRole");
        });
        Map<String, String> addressOf = Map.of("host-a", machines.machine("host-a").address(), "host-b", machines.machine("host-b").address());
        Set<String> hostsUsed = new HashSet<>();
        for (String name : List.of("WebVM_IN_0", "WebVM_IN_1")) {
            JsonNode i = instance(tenant, name);
            hostsUsed.add(i.path("host").asText());
            assertThat(i.path("endpoints").path(0).path("reachedAt").asText()).startsWith(addressOf.get(i.path("host").asText()) + ":");
        }
        assertThat(hostsUsed).containsExactlyInAnyOrder("host-a", "host-b");

        // the client machine reaches both instances through the load balancer on the controller machine
        String lb = "http://" + tenant.get("/services/web/deployments/production").path("loadBalancer").path(0).path("address").asText() + "/";
        assertThat(lb).startsWith("http://" + controller.address() + ":");
        Set<String> answered = new HashSet<>();
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> {
            answered.add(fromClient(lb).replaceAll(" .*", ""));
            assertThat(answered).contains("instance=WebVM_IN_0", "instance=WebVM_IN_1");
        });

        // the console of an instance on another machine comes over the host link
        String onB = instance(tenant, "WebVM_IN_0").path("host").asText().equals("host-b") ? "WebVM_IN_0" : "WebVM_IN_1";
        assertThat(tenant.getText("/services/web/deployments/production/instances/" + onB + "/console?bytes=65536")).contains("vmrole-agent: started");

        // host-b's machine dies (every process killed, its cable pulled) while the client keeps asking
        List<String> results = Collections.synchronizedList(new ArrayList<>());
        Process client = new ProcessBuilder(machines.machine("client").command(List.of("timeout", "600", "sh", "-c",
                "while :; do curl -s -m 2 -o /dev/null -w '%{http_code}\\n' " + lb + " || echo fail; done"))).redirectErrorStream(true).start();
        processes.add(client);
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) results.add(line.strip());
            } catch (Exception ended) {
                // the loop was stopped
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> results.size() >= 20);
        long killedAt = System.nanoTime();
        machines.killAll("host-b");
        machines.unplug("host-b");
        await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertThat(instance(tenant, onB).path("host").asText()).isEqualTo("host-a");
            assertThat(instance(tenant, onB).path("state").asText()).isEqualTo("ReadyRole");
        });
        long recoveredMs = (System.nanoTime() - killedAt) / 1_000_000;
        int before = results.size();
        await().atMost(Duration.ofSeconds(60)).until(() -> results.size() >= before + 20);
        client.destroyForcibly().waitFor();
        reader.join(5_000);
        List<String> seen = List.copyOf(results);
        long failed = seen.stream().filter(s -> !s.equals("200")).count();
        System.out.printf("host machine killed: %d requests from the client machine, %d failed; instance ReadyRole on host-a after %d ms%n",
                seen.size(), failed, recoveredMs);
        assertThat(seen.subList(seen.size() - 10, seen.size())).as("the client is served again after the move").containsOnly("200");
    }
}
