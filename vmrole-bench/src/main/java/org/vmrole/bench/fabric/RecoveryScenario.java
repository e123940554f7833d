package org.vmrole.bench.fabric;

import org.vmrole.bench.BareBoot;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.vmrole.guest.image.SampleImage;
import org.vmrole.host.qemu.QemuSettings;
import org.vmrole.server.EmbeddedPlatform;
import org.vmrole.server.cli.ApiClient;

/**
 * Self-healing on real QEMU, timed from the outside through the API: a VM killed with SIGKILL (detection, replacement
 * ReadyRole, against a bare boot of the same image) and a host agent killed with SIGKILL with its VMs (host Down, its
 * instance ReadyRole on the other host). Prints figures for BENCHMARKS.md.
 *
 * <p>Run: {@code vmrole-bench/fabric-bench.sh recovery [rounds]}.
 */
public final class RecoveryScenario {
    private static final long POLL_MS = 50;

    private RecoveryScenario() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Path image = SampleImage.ensure();
        Path work = Files.createTempDirectory("vmrole-recovery");
        List<AutoCloseable> toClose = new ArrayList<>();
        Thread onInterrupt = new Thread(() -> cleanUp(toClose, work), "recovery-cleanup");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        try {
            System.out.printf("sample image %s, accelerator %s, %d cores, %s%n", image, QemuSettings.detectAccelerator(),
                    Runtime.getRuntime().availableProcessors(), ProcessTable.loadAverage());
            List<Long> bare = new ArrayList<>();
            for (int i = 0; i < rounds; i++) {
                bare.add(BareBoot.toHttp(image, work.resolve("bare" + i)));
                System.out.printf("bare boot %d: %d ms to HTTP 200%n", i + 1, bare.get(i));
            }
            long bareMedian = median(bare);

            long[][] vm = vmKills(image, work.resolve("vm-kill"), rounds, toClose);
            long detection = median(column(vm, 0)), replacement = median(column(vm, 1)), replacementHttp = median(column(vm, 2));
            cleanUp(toClose, work.resolve("vm-kill")); // its two VMs would slow the host-failure part down

            long[] host = hostKill(image, work.resolve("host-kill"), toClose);

            System.out.printf("%nbare boot to HTTP 200, median of %d: %d ms%n", rounds, bareMedian);
            System.out.printf("VM kill -9: detection median %d ms (goal < 1000), replacement ReadyRole median %d ms, replacement answering HTTP median %d ms;"
                    + " replacement (HTTP) - bare boot %+d ms (goal <= +2000)%n", detection, replacement, replacementHttp, replacementHttp - bareMedian);
            System.out.printf("host kill -9: host Down after %d ms (goal < 5000), its instance re-placed after %d ms, ReadyRole on the other host after %d ms,"
                    + " answering HTTP after %d ms%n", host[0], host[1], host[2], host[3]);
            System.out.println(ProcessTable.loadAverage());
        } finally {
            cleanUp(toClose, work);
            Runtime.getRuntime().removeShutdownHook(onInterrupt);
        }
    }

    /** @return per round {ms to detection (incarnation grew), to the replacement's ReadyRole, to its endpoint's first HTTP 200}, from the kill */
    private static long[][] vmKills(Path image, Path dir, int rounds, List<AutoCloseable> toClose) throws Exception {
        EmbeddedPlatform platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(dir, "127.0.0.1", 0, null, 2));
        toClose.add(platform);
        TenantDeployment d = TenantDeployment.deploy(platform.apiUrl(), platform.firstAdministratorKey().orElseThrow(), image);
        toClose.addFirst(d::deleteQuietly);
        System.out.printf("2 in-process hosts: both instances ReadyRole %d ms after the deployment was accepted%n", d.awaitBothReady(6));
        long[][] out = new long[rounds][];
        // a second failure within stableAfter of the first is held back by the crash-loop backoff (1 s, then 2 s) and the
        // third moves the instance: wait that long between kills so each round measures a first failure
        long stable = EmbeddedPlatform.healingPolicy().stableAfter().toMillis() + 3_000;
        for (int i = 0; i < rounds; i++) {
            if (i > 0) Thread.sleep(stable);
            out[i] = killVm(d);
            System.out.printf("VM kill %d: detected after %d ms, replacement ReadyRole after %d ms, its endpoint answering HTTP 200 after %d ms%n",
                    i + 1, out[i][0], out[i][1], out[i][2]);
        }
        return out;
    }

    private static long[] killVm(TenantDeployment d) throws Exception {
        String name = "WebVM_IN_0";
        List<Long> qemu = ProcessTable.qemusMentioning("vmrole:" + d.id() + "/" + name);
        if (qemu.size() != 1) throw new IllegalStateException("expected one QEMU for " + name + ", found " + qemu);
        long incarnation = d.instance(name).path("incarnation").asLong();
        long killedAt = System.nanoTime();
        ProcessTable.kill9(qemu.getFirst());
        long detected = -1, ready = -1, http = -1, deadline = killedAt + TimeUnit.MINUTES.toNanos(4);
        while (System.nanoTime() < deadline) {
            JsonNode i = d.instance(name);
            long now = System.nanoTime();
            if (i.path("incarnation").asLong() > incarnation) {
                if (detected < 0) detected = (now - killedAt) / 1_000_000;
                if (ready < 0 && "ReadyRole".equals(i.path("state").asText())) ready = (now - killedAt) / 1_000_000;
                if (http < 0 && TenantDeployment.answersHttp(i)) http = (System.nanoTime() - killedAt) / 1_000_000;
                if (ready >= 0 && http >= 0) return new long[] {detected, ready, http};
            }
            Thread.sleep(POLL_MS);
        }
        throw new IllegalStateException(name + " was not replaced within 4 minutes of its kill: " + d.instance(name));
    }

    /** @return {ms to host Down, to its instance's new incarnation, to that incarnation ReadyRole on the other host, to its HTTP 200}, from the kill */
    private static long[] hostKill(Path image, Path dir, List<AutoCloseable> toClose) throws Exception {
        EmbeddedPlatform platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(dir.resolve("controller"), "127.0.0.1", 0, null, 0));
        toClose.add(platform);
        String adminKey = platform.firstAdministratorKey().orElseThrow();
        ApiClient admin = new ApiClient(platform.apiUrl(), adminKey);
        Map<String, Process> hosts = new java.util.LinkedHashMap<>();
        for (String name : List.of("host-a", "host-b")) {
            String token = admin.post("/hosts/" + name + "/join-token", Map.of()).get("joinToken").asText();
            Process p = ChildVmrole.start(dir.resolve(name + ".log"), "256m", "host", "--controller", platform.apiUrl(), "--name", name,
                    "--fault-domain", String.valueOf(hosts.size()), "--data", dir.resolve(name).toString(), "--join-token", token,
                    "--cores", "2", "--memory-mib", "4096");
            hosts.put(name, p);
            toClose.add(() -> p.destroyForcibly().waitFor());
        }
        TenantDeployment d = TenantDeployment.deploy(platform.apiUrl(), adminKey, image);
        toClose.addFirst(d::deleteQuietly);
        System.out.printf("2 host-agent JVMs: both instances ReadyRole %d ms after the deployment was accepted%n", d.awaitBothReady(6));

        String victim = "host-b", survivor = "host-a";
        String moved = victim.equals(d.instance("WebVM_IN_0").path("host").asText()) ? "WebVM_IN_0" : "WebVM_IN_1";
        long incarnation = d.instance(moved).path("incarnation").asLong();
        long killedAt = System.nanoTime();
        // the agent must be gone before its VMs die, or it would still report their crash and restart them in place
        hosts.get(victim).destroyForcibly().waitFor();
        for (long pid : ProcessTable.qemusMentioning(dir.resolve(victim).toString())) ProcessTable.kill9(pid);
        long down = -1, replaced = -1, ready = -1, http = -1, deadline = killedAt + TimeUnit.MINUTES.toNanos(4);
        while (System.nanoTime() < deadline) {
            long now = System.nanoTime();
            if (down < 0 && "Down".equals(hostStatus(admin, victim))) down = (now - killedAt) / 1_000_000;
            JsonNode i = d.instance(moved);
            if (replaced < 0 && i.path("incarnation").asLong() > incarnation) replaced = (now - killedAt) / 1_000_000;
            boolean onSurvivor = replaced >= 0 && survivor.equals(i.path("host").asText());
            if (ready < 0 && onSurvivor && "ReadyRole".equals(i.path("state").asText())) ready = (now - killedAt) / 1_000_000;
            if (http < 0 && onSurvivor && TenantDeployment.answersHttp(i)) http = (System.nanoTime() - killedAt) / 1_000_000;
            if (down >= 0 && ready >= 0 && http >= 0) {
                System.out.printf("host kill: %s Down after %d ms, %s re-placed after %d ms, ReadyRole on %s after %d ms, answering HTTP after %d ms%n",
                        victim, down, moved, replaced, survivor, ready, http);
                return new long[] {down, replaced, ready, http};
            }
            Thread.sleep(POLL_MS);
        }
        throw new IllegalStateException(moved + " was not ReadyRole on " + survivor + " within 4 minutes of killing " + victim + ": " + d.instance(moved));
    }

    private static String hostStatus(ApiClient admin, String name) {
        for (JsonNode h : admin.get("/hosts").path("hosts")) {
            if (name.equals(h.path("name").asText())) return h.path("status").asText();
        }
        return "absent";
    }

    /** Deployments first (their hosts stop the VMs), then platforms and host agents, then any QEMU left under {@code work}. */
    private static void cleanUp(List<AutoCloseable> toClose, Path work) {
        List<AutoCloseable> now;
        synchronized (toClose) {
            now = List.copyOf(toClose);
            toClose.clear();
        }
        for (AutoCloseable c : now) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e.getMessage());
            }
        }
        for (long pid : ProcessTable.qemusMentioning(work.toString())) ProcessTable.kill9(pid);
        try (Stream<Path> walk = Files.walk(work)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            System.err.println("cleanup: cannot delete " + work + ": " + e.getMessage());
        }
    }

    private static List<Long> column(long[][] rows, int c) {
        List<Long> out = new ArrayList<>();
        for (long[] r : rows) out.add(r[c]);
        return out;
    }

    private static long median(List<Long> values) {
        long[] v = values.stream().mapToLong(Long::longValue).sorted().toArray();
        return v[v.length / 2];
    }
}
