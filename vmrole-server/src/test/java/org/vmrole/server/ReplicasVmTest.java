package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.etcd.EtcdCluster;
import org.vmrole.guest.image.SampleImage;
import org.vmrole.server.EmulatedMachines.Machine;
import org.vmrole.server.cli.ApiClient;
import org.vmrole.server.cli.CliFailure;
import org.vmrole.server.cli.ImageUploader;

/**
 * The replicated control plane on real QEMU: a three-member etcd, three {@code vmrole server} replicas in processes of
 * their own sharing one image storage account, and two host agents that know every replica. A deployment made through
 * one replica is seen through the others; kill -9 of the leader while the instances boot leaves the deployment to
 * another replica, which finishes it with never more than one QEMU per instance.
 */
@Tag("vm")
class ReplicasVmTest {
    private static final String ADMIN_KEY = "vmr_replicas-vm-test-administrator-key-012345";
    private static final List<String> INSTANCES = List.of("WebVM_IN_0", "WebVM_IN_1");

    @TempDir Path dir;
    EtcdCluster etcd;
    EmulatedMachines machines;
    final List<Process> processes = new ArrayList<>();
    /** The replicas by API URL. */
    final Map<String, Process> replicas = new LinkedHashMap<>();

    @AfterEach
    void stop() throws Exception {
        for (Process p : processes) p.destroyForcibly().waitFor();
        // the processes' logs outlive the temporary folder, for a failure to be read
        Path kept = Path.of("target", "replicas-vm-logs");
        Files.createDirectories(kept);
        try (var logs = Files.list(dir)) {
            for (Path log : logs.filter(f -> f.toString().endsWith(".log")).toList()) {
                Files.copy(log, kept.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        for (long pid : ChildJvm.processesMentioning(dir.toString())) ChildJvm.kill9(pid);
        // namespaces and their links go even when the test failed
        if (machines != null) machines.close();
        if (etcd != null) etcd.close();
    }

    private Process start(String log, String... args) throws IOException {
        Process p = ChildJvm.start(dir.resolve(log), args);
        processes.add(p);
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A storage service of its own holding the images account every replica names. */
    private String imageStorage(String key, String address) throws Exception {
        int blob = freePort();
        start("storage.log", "storage", "--data", dir.resolve("storage").toString(), "--host", address, "--blob-port", String.valueOf(blob),
                "--queue-port", String.valueOf(freePort()), "--table-port", String.valueOf(freePort()), "--account", "replicaimages:" + key);
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200)).ignoreExceptionsInstanceOf(IOException.class).until(() -> {
            try (Socket ignored = new Socket(address, blob)) {
                return true;
            }
        });
        return "http://" + address + ":" + blob + "/replicaimages";
    }

    /** One replica on its own loopback address (each replica's balancer listens on its own address). */
    private String replica(int n, String images, String imagesKey) throws Exception {
        return replica("replica-" + n, List.of(), "127.0.0." + (10 + n), freePort(), images, imagesKey);
    }

    /** One replica, run inside {@code wrapper} (another emulated machine) and listening on {@code address}. */
    private String replica(String name, List<String> wrapper, String address, int port, String images, String imagesKey) throws Exception {
        Process p = ChildJvm.start(dir.resolve(name + ".log"), wrapper, "server", "--store", etcd.url(), "--listen", address, "--port", String.valueOf(port),
                "--hosts", "0", "--no-storage", "--image-storage", images, "--image-storage-key", imagesKey, "--lb-forwarding", "proxy",
                "--admin-key", ADMIN_KEY, "--data", dir.resolve(name).toString());
        processes.add(p);
        String url = "http://" + address + ":" + port;
        replicas.put(url, p);
        ApiClient admin = new ApiClient(url, ADMIN_KEY);
        try {
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200)).ignoreExceptionsInstanceOf(CliFailure.class)
                    .failFast(name + " exited", () -> !p.isAlive()).until(() -> admin.get("/hosts").has("hosts"));
        } catch (RuntimeException e) {
            List<String> log = Files.readAllLines(dir.resolve(name + ".log"));
            throw new AssertionError(name + " did not answer: " + String.join("\n", log.subList(Math.max(0, log.size() - 30), log.size())), e);
        }
        return url;
    }

    private void host(String name, int faultDomain, ApiClient admin) throws IOException {
        host(name, List.of(), faultDomain, admin);
    }

    private void host(String name, List<String> wrapper, int faultDomain, ApiClient admin) throws IOException {
        String token = admin.post("/hosts/" + name + "/join-token", Map.of()).get("joinToken").asText();
        processes.add(ChildJvm.start(dir.resolve(name + ".log"), wrapper, "host", "--controller", String.join(",", replicas.keySet()), "--name", name, "--fault-domain", String.valueOf(faultDomain),
                "--data", dir.resolve(name).toString(), "--join-token", token, "--cores", "2", "--memory-mib", "4096"));
    }

    /** The replica that leads now, by API URL, as the given replica sees it (null while none does). */
    private static String leader(String replica) {
        JsonNode leader = new ApiClient(replica, ADMIN_KEY).get("/controller/status").path("leader");
        return leader.isNull() || leader.isMissingNode() ? null : "http://" + leader.asText();
    }

    /** Subscription "contoso", admitted to the VM Role and given the sample image through one replica; its client of every replica. */
    private Map<String, ApiClient> tenantOnEvery(String through) throws Exception {
        ApiClient admin = new ApiClient(through, ADMIN_KEY);
        admin.post("/subscriptions", Map.of("id", "contoso"));
        String key = admin.post("/subscriptions/contoso/keys", Map.of()).get("key").asText();
        Map<String, ApiClient> tenant = new LinkedHashMap<>();
        for (String u : replicas.keySet()) tenant.put(u, new ApiClient(u, key));
        ApiClient first = tenant.get(through);
        admin.post("/beta/requests/" + first.post("/beta/programs/vm-role/requests", Map.of("reason", "test")).get("id").asText() + "/approve", Map.of());
        new ImageUploader(first, new PrintWriter(Writer.nullWriter())).upload(SampleImage.ensure(), "sample-v1", null);
        return tenant;
    }

    /** Deploys service "web" of {@code instances} sample instances; returns the operation. */
    private String deploy(ApiClient tenant, int instances) throws Exception {
        tenant.post("/services", Map.of("name", "web"));
        return tenant.post("/services/web/deployments/production", Map.of(
                "definition", Files.readString(Path.of(getClass().getResource("/demo/ServiceDefinition.csdef").toURI())),
                "configuration", Files.readString(Path.of(getClass().getResource("/demo/ServiceConfiguration.cscfg").toURI()))
                        .replace("<Instances count=\"2\"/>", "<Instances count=\"" + instances + "\"/>"))).path("id").asText();
    }

    /** The answer of a call that a loaded etcd may refuse for a moment with a 503 (its 3 s timeout), asked again until it answers. */
    private static <T> T answered(java.util.concurrent.Callable<T> call) {
        return await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500)).ignoreExceptionsInstanceOf(CliFailure.class)
                .until(call, a -> true);
    }

    private static long reconcilePasses(String replica) {
        for (String line : new ApiClient(replica, ADMIN_KEY).getText("/metrics").split("\n")) {
            if (line.startsWith("vmrole_reconcile_pass_seconds_count")) return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return 0;
    }

    @Test
    void a_deployment_left_mid_way_by_a_killed_leader_is_finished_by_another_replica_with_one_qemu_per_instance_throughout() throws Exception {
        etcd = EtcdCluster.start(3);
        byte[] keyBytes = new byte[64];
        new SecureRandom().nextBytes(keyBytes);
        String imagesKey = Base64.getEncoder().encodeToString(keyBytes);
        String images = imageStorage(imagesKey, "127.0.0.1");
        for (int n = 1; n <= 3; n++) replica(n, images, imagesKey);
        List<String> urls = List.copyOf(replicas.keySet());
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                .until(() -> new ApiClient(urls.getFirst(), ADMIN_KEY).get("/controller/status").path("replicas").size() == 3
                        && leader(urls.getFirst()) != null);

        // a join token from one replica works on every replica: both hosts are told all three
        ApiClient firstAdmin = new ApiClient(urls.getFirst(), ADMIN_KEY);
        host("host-a", 0, firstAdmin);
        host("host-b", 1, firstAdmin);
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(firstAdmin.get("/hosts").path("hosts").findValuesAsText("status")).containsExactly("Up", "Up"));

        // the tenant and its image come in through one follower, the deployment through another replica
        String leaderBefore = leader(urls.getFirst());
        List<String> followers = urls.stream().filter(u -> !u.equals(leaderBefore)).toList();
        Map<String, ApiClient> tenant = tenantOnEvery(followers.getFirst());
        String through = followers.getLast();
        String operation = deploy(tenant.get(through), 2);
        String deployment = tenant.get(through).get("/services/web/deployments/production").path("id").asText();
        for (String u : urls) {
            assertThat(answered(() -> tenant.get(u).get("/services/web/deployments/production").path("id").asText()))
                    .as("the deployment made through %s, seen through %s", through, u).isEqualTo(deployment);
        }

        // every QEMU of the deployment, counted per instance every few tens of milliseconds from now to the end
        QemuCensus census = QemuCensus.start("vmrole:" + deployment + "/", INSTANCES, Duration.ofMillis(30));
        try {
            // the leader dies once the hosts have started booting the instances, before they are ready
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(50)).until(() -> census.seenAny());
            String killed = leader(urls.getFirst());
            assertThat(killed).as("a replica leads").isNotNull();
            List<String> survivors = urls.stream().filter(u -> !u.equals(killed)).toList();
            Map<String, Long> passesBefore = new LinkedHashMap<>();
            for (String u : survivors) passesBefore.put(u, reconcilePasses(u));
            JsonNode midway = tenant.get(killed).get("/services/web/deployments/production").path("instances");
            long killedAt = System.nanoTime();
            long killedAtMillis = System.currentTimeMillis();
            replicas.get(killed).destroyForcibly().waitFor();

            // another replica is elected and runs its first pass
            String[] successor = new String[1];
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).ignoreExceptions().until(() -> {
                String now = leader(survivors.getFirst());
                successor[0] = now;
                return now != null && !now.equals(killed);
            });
            long electedMs = (System.nanoTime() - killedAt) / 1_000_000;
            // (only a leader reconciles: a pass by any survivor, should a loaded machine have moved the lease once more)
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
                    .until(() -> survivors.stream().anyMatch(u -> reconcilePasses(u) > passesBefore.get(u)));
            long firstPassMs = (System.nanoTime() - killedAt) / 1_000_000;

            // it finishes the deployment
            // (what hosts report is in the leader's memory: ask whoever leads now, should a loaded machine move the lease again)
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500)).ignoreExceptionsInstanceOf(CliFailure.class).untilAsserted(() -> {
                String leading = leader(survivors.getFirst());
                assertThat(leading).as("a replica leads").isNotNull();
                successor[0] = leading;
                JsonNode instances = tenant.get(leading).get("/services/web/deployments/production").path("instances");
                assertThat(instances.findValuesAsText("instance")).containsExactlyInAnyOrderElementsOf(INSTANCES);
                assertThat(instances.findValuesAsText("state")).containsOnly("ReadyRole");
            });
            long readyMs = (System.nanoTime() - killedAt) / 1_000_000;
            JsonNode op = answered(() -> tenant.get(successor[0]).get("/operations/" + operation + "?wait=60"));
            assertThat(op.path("status").asText()).as("the deployment's operation, as the new leader finished it").isEqualTo("Succeeded");
            // every replica knows where each instance runs, and what its host reported last: the leader stores the reports
            List<String> placed = answered(() -> tenant.get(successor[0]).get("/services/web/deployments/production").path("instances").findValuesAsText("host"));
            for (String u : survivors) {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).ignoreExceptionsInstanceOf(CliFailure.class).untilAsserted(() -> {
                    JsonNode seen = tenant.get(u).get("/services/web/deployments/production").path("instances");
                    assertThat(seen.findValuesAsText("host")).as("the instances' hosts seen through %s", u).isEqualTo(placed);
                    assertThat(seen.findValuesAsText("state")).as("states seen through %s", u).containsOnly("ReadyRole");
                });
            }
            census.awaitSamples(20);
            QemuCensus.Result seen = census.stop();
            System.out.printf("replicas on QEMU: leader killed with the instances at %s; a successor elected after %d ms, its first reconcile "
                            + "pass after %d ms, every instance ReadyRole after %d ms; QEMU processes per instance at most %s over %d samples "
                            + "(every %d ms); load %s%n", midway.findValuesAsText("state"), electedMs, firstPassMs, readyMs, seen.max(), seen.samples(),
                    30, Files.readString(Path.of("/proc/loadavg")).strip());
            census.seen.forEach((pid, t) -> System.out.printf("  QEMU %d (%s) seen %d to %d ms after the kill, with %d of its instance%n", pid, census.where.get(pid),
                    t[0] - killedAtMillis, t[1] - killedAtMillis, t[2]));
            for (String name : INSTANCES) {
                assertThat(seen.max().get(name)).as("the most QEMU processes of %s seen at one moment", name).isEqualTo(1);
                assertThat(seen.last().get(name)).as("QEMU processes of %s at the end", name).isEqualTo(1);
            }
            assertThat(answered(() -> new ApiClient(survivors.getFirst(), ADMIN_KEY).get("/hosts").path("hosts").findValuesAsText("status")))
                    .containsOnly("Up");
        } finally {
            census.stop();
        }
    }

    @Test
    void a_replica_cut_off_from_etcd_stops_reconciling_within_its_lease_and_its_host_goes_on_with_another_replica() throws Exception {
        machines = EmulatedMachines.create("replica-a", "replica-b", "host-a");
        String operator = machines.operatorAddress();
        etcd = EtcdCluster.start(3, operator);
        byte[] keyBytes = new byte[64];
        new SecureRandom().nextBytes(keyBytes);
        String imagesKey = Base64.getEncoder().encodeToString(keyBytes);
        String images = imageStorage(imagesKey, operator);
        Map<String, Machine> machineOf = new LinkedHashMap<>();
        for (String name : List.of("replica-a", "replica-b")) {
            Machine m = machines.machine(name);
            machineOf.put(replica(name, m.command(List.of()), m.address(), 8080, images, imagesKey), m);
        }
        List<String> urls = List.copyOf(replicas.keySet());
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200)).ignoreExceptionsInstanceOf(CliFailure.class)
                .until(() -> leader(urls.getFirst()) != null);
        ApiClient firstAdmin = new ApiClient(urls.getFirst(), ADMIN_KEY);
        host("host-a", machines.machine("host-a").command(List.of()), 0, firstAdmin);
        Map<String, ApiClient> tenant = tenantOnEvery(urls.getFirst());
        deploy(tenant.get(urls.getFirst()), 1);
        String[] leading = new String[1];
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500)).ignoreExceptionsInstanceOf(CliFailure.class).untilAsserted(() -> {
            leading[0] = leader(urls.getFirst());
            assertThat(tenant.get(leading[0]).get("/services/web/deployments/production").path("instances").findValuesAsText("state"))
                    .containsExactly("ReadyRole");
        });
        String cut = leading[0];
        String other = urls.stream().filter(u -> !u.equals(cut)).findFirst().orElseThrow();
        Machine cutMachine = machineOf.get(cut);
        String deployment = tenant.get(other).get("/services/web/deployments/production").path("id").asText();

        // the leader's machine loses its link: etcd, the other replica and the host are all beyond it
        long cutAt = System.nanoTime();
        long cutAtMillis = System.currentTimeMillis();
        machines.unplug(cutMachine.name());
        // cut off from etcd it cannot even authenticate a call (keys are in etcd): its log says when its reconciler stopped
        Path cutLog = dir.resolve(cutMachine.name() + ".log");
        String stopped = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(
                () -> Files.readAllLines(cutLog).stream().filter(l -> l.contains("reconciler stopped: this replica no longer leads")).findFirst().orElse(null),
                java.util.Objects::nonNull);
        String why = Files.readAllLines(cutLog).stream().filter(l -> l.contains("stops leading")).findFirst().orElseThrow();
        // it stops at its step-down: no pass starts after it and the fence refuses every write; a pass already blocked on
        // the unreachable etcd ends later ("reconciler stopped"), having written nothing
        long stoppedMs = logMillis(why) - cutAtMillis;
        long drainedMs = logMillis(stopped) - cutAtMillis;

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> other.equals(leader(other)));
        long electedMs = (System.nanoTime() - cutAt) / 1_000_000;
        // what fencing is for: the cut-off replica stopped acting before its successor's first pass (one clock, one machine)
        Path otherLog = dir.resolve(machineOf.get(other).name() + ".log");
        String successorPass = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(
                () -> Files.readAllLines(otherLog).stream().filter(l -> l.contains("first reconcile pass as leader done")).reduce((a, b) -> b).orElse(null),
                java.util.Objects::nonNull);
        assertThat(logMillis(why)).as("the cut-off replica stepped down before its successor's first pass")
                .isLessThanOrEqualTo(logMillis(successorPass));
        // the host beats to the new leader: Up and heard within the last seconds, for longer than a silent host stays Up
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptionsInstanceOf(CliFailure.class).untilAsserted(() -> {
            JsonNode host = new ApiClient(other, ADMIN_KEY).get("/hosts").path("hosts").path(0);
            assertThat(host.path("status").asText()).isEqualTo("Up");
            assertThat(Instant.parse(host.path("lastHeartbeat").asText()).toEpochMilli()).isGreaterThan(cutAtMillis + 2 * EmbeddedPlatform.HEARTBEAT.toMillis());
        });
        long hostMovedMs = (System.nanoTime() - cutAt) / 1_000_000;
        await().during(EmbeddedPlatform.HOST_TIMEOUT.plusSeconds(2)).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .ignoreExceptionsInstanceOf(CliFailure.class).until(() -> {
                    JsonNode host = new ApiClient(other, ADMIN_KEY).get("/hosts").path("hosts").path(0);
                    return host.path("status").asText().equals("Up") && host.path("heartbeatAgeMillis").asLong() < 3_000;
                });

        // and its instance is still healed: a killed VM comes back, by the new leader's decision
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500)).ignoreExceptionsInstanceOf(CliFailure.class).untilAsserted(() ->
                assertThat(tenant.get(other).get("/services/web/deployments/production").path("instances").findValuesAsText("state"))
                        .containsExactly("ReadyRole"));
        long incarnation = tenant.get(other).get("/services/web/deployments/production").path("instances").path(0).path("incarnation").asLong();
        List<Long> qemu = ChildJvm.processesMentioning("vmrole:" + deployment + "/WebVM_IN_0 ");
        qemu.forEach(ChildJvm::kill9);
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500)).ignoreExceptionsInstanceOf(CliFailure.class).untilAsserted(() -> {
            JsonNode instance = tenant.get(other).get("/services/web/deployments/production").path("instances").path(0);
            assertThat(instance.path("incarnation").asLong()).isGreaterThan(incarnation);
            assertThat(instance.path("state").asText()).isEqualTo("ReadyRole");
        });
        boolean fenced = Files.readString(dir.resolve("host-a.log")).contains("stopping its VMs");
        System.out.printf("replica cut off from etcd: it stepped down %d ms after its link went down (lease %d s; %s), its last pass ended after %d ms; "
                        + "the other replica led after %d ms; the host's heartbeats reached it after %d ms%s; a VM killed then was healed; load %s%n", stoppedMs,
                ReplicatedController.LEASE.toSeconds(), why.substring(why.indexOf(" - ") + 3), drainedMs, electedMs, hostMovedMs,
                fenced ? " (the host had stopped its VMs, out of contact for its fence time)" : " (the host kept its VMs)",
                Files.readString(Path.of("/proc/loadavg")).strip());
        assertThat(Duration.ofMillis(stoppedMs)).as("a replica cut off from etcd stops reconciling within its lease").isLessThanOrEqualTo(
                ReplicatedController.LEASE.plusMillis(1_500));
    }

    /** When a child's log line was written (its lines start with the local time of day). */
    private static long logMillis(String line) {
        return java.time.LocalTime.parse(line.substring(0, line.indexOf(' '))).atDate(java.time.LocalDate.now())
                .atZone(java.time.ZoneId.systemDefault()).toInstant().toEpochMilli();
    }

    /** Counts the QEMU processes of each instance of a deployment from /proc, on a thread of its own, until stopped. */
    static final class QemuCensus {
        /** The most processes seen at one moment per instance, the last count per instance, and how many samples were taken. */
        record Result(Map<String, Integer> max, Map<String, Integer> last, long samples) {
        }

        private final String marker;
        private final List<String> instances;
        private final Map<String, Integer> max = new ConcurrentHashMap<>();
        private final Map<String, Integer> last = new ConcurrentHashMap<>();
        private final ScheduledExecutorService sampler =
                Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("qemu-census").factory());
        private volatile long samples;

        private QemuCensus(String marker, List<String> instances, Duration every) {
            this.marker = marker;
            this.instances = instances;
            for (String i : instances) {
                max.put(i, 0);
                last.put(i, 0);
            }
            sampler.scheduleWithFixedDelay(this::sample, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        }

        static QemuCensus start(String marker, List<String> instances, Duration every) {
            return new QemuCensus(marker, instances, every);
        }

        private void sample() {
            try {
                long now = System.currentTimeMillis();
                for (String i : instances) {
                    List<Long> pids = ChildJvm.processesMentioning(marker + i + " ").stream().filter(QemuCensus::isVm).toList();
                    for (long pid : pids) {
                        long[] s = seen.computeIfAbsent(pid, p -> new long[] {now, now, pids.size()});
                        where.computeIfAbsent(pid, p -> i + " on " + hostOf(p));
                        s[1] = now;
                        s[2] = Math.max(s[2], pids.size());
                    }
                    last.put(i, pids.size());
                    max.merge(i, pids.size(), Math::max);
                }
                samples++;
            } catch (IOException e) {
                // /proc could not be listed this time: the next sample counts again
            }
        }

        /**
         * QEMU runs with -daemonize: the process a host agent starts forks, the child forks the VM and exits, and the
         * first waits until the VM is up. Those two are one VM being started, not copies: a VM is the QEMU process whose
         * parent is neither the host agent nor another QEMU.
         */
        private static boolean isVm(long pid) {
            String ppid;
            try {
                String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
                // pid (comm) state ppid ...: the command may hold spaces, so read after its closing parenthesis
                ppid = stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1];
            } catch (IOException gone) {
                return false;
            }
            try {
                String parent = Files.readString(Path.of("/proc", ppid, "cmdline")).replace('\0', ' ');
                return !parent.contains("qemu-system") && !parent.contains(Main.class.getName() + " host ");
            } catch (IOException parentGone) {
                // the middle process just exited: this is the VM, not yet handed to init
                return true;
            }
        }

        final Map<Long, String> where = new ConcurrentHashMap<>();

        private static String hostOf(long pid) {
            try {
                String cmdline = Files.readString(Path.of("/proc", String.valueOf(pid), "cmdline")).replace('\0', ' ');
                return cmdline.contains("/host-a/") ? "host-a" : cmdline.contains("/host-b/") ? "host-b" : "?";
            } catch (IOException gone) {
                return "(gone)";
            }
        }

        /** Every QEMU process seen: first and last seen (ms since the epoch) and the most copies of its instance seen beside it. */
        final Map<Long, long[]> seen = new ConcurrentHashMap<>();

        boolean seenAny() {
            return max.values().stream().anyMatch(n -> n > 0);
        }

        void awaitSamples(int more) {
            long until = samples + more;
            await().atMost(Duration.ofMinutes(1)).until(() -> samples >= until);
        }

        Result stop() throws InterruptedException {
            sampler.shutdown();
            sampler.awaitTermination(10, TimeUnit.SECONDS);
            return new Result(Map.copyOf(max), Map.copyOf(last), samples);
        }
    }
}
