package org.vmrole.bench.fabric;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.vmrole.fabric.controller.FabricController;
import org.vmrole.fabric.controller.HostRegistration;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.Host;
import org.vmrole.fabric.model.HostStatus;
import org.vmrole.fabric.model.RoleInstance;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.fabric.placement.FreeCapacity;
import org.vmrole.fabric.placement.HostOffer;
import org.vmrole.fabric.placement.Placement;
import org.vmrole.fabric.placement.PlacementRequest;
import org.vmrole.fabric.reconcile.Action;
import org.vmrole.fabric.reconcile.DesiredState;
import org.vmrole.fabric.reconcile.HealingPolicy;
import org.vmrole.fabric.reconcile.InstanceAction;
import org.vmrole.fabric.reconcile.ObservedState;
import org.vmrole.fabric.reconcile.Reconciler;
import org.vmrole.etcd.EtcdAddress;
import org.vmrole.etcd.EtcdStore;
import org.vmrole.fabric.store.SqliteStore;
import org.vmrole.fabric.store.Store;
import org.vmrole.host.sim.SimulatedClock;
import org.vmrole.model.RoleState;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.HealthCause;
import org.vmrole.model.host.HostCapacity;
import org.vmrole.model.host.ObservedInstance;

/**
 * The fabric controller at scale: placement rate, one reconcile pass, and controller heap with 100,000 instances
 * on 10,000 hosts in 5 fault domains. Prints figures for BENCHMARKS.md; asserts nothing.
 *
 * <p>Arguments (all optional): hosts, instances, fault domains, rounds, {@code --without-controller}. With
 * {@code -Dvmrole.bench.store=etcd://HOST:PORT,...} the controller part runs on that etcd cluster (under a fresh root)
 * instead of SQLite; {@code -Dvmrole.bench.controllerOnly=true} skips the pure parts.
 */
public final class FabricScaleBenchmark {
    private static final java.lang.management.ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    private static final HostCapacity HOST = new HostCapacity(16, 65536, 4000);

    public static void main(String[] args) throws Exception {
        int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int instances = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int domains = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        int perDeployment = 50;
        System.out.printf(Locale.ROOT, "fabric scale: %,d hosts in %d fault domains, %,d Small instances (%d per deployment), JDK %s, %d cores%n",
                hosts, domains, instances, perDeployment, Runtime.version(), Runtime.getRuntime().availableProcessors());

        if (!Boolean.getBoolean("vmrole.bench.controllerOnly")) {
            placement(hosts, instances, domains, perDeployment, rounds);
            reconcilePasses(hosts, instances, domains, perDeployment, rounds);
        }
        if (args.length > 4 && args[4].equals("--without-controller")) return;
        controllerAtScale(hosts, instances, domains, perDeployment);
    }

    /** The Placement class alone: 100,000 requests against 10,000 host offers. */
    private static void placement(int hosts, int instances, int domains, int perDeployment, int rounds) {
        List<HostOffer> offers = new ArrayList<>(hosts);
        for (int i = 0; i < hosts; i++) offers.add(new HostOffer(hostName(i), i % domains, new FreeCapacity(HOST.cores(), HOST.memoryMiB(), HOST.diskGiB())));
        List<PlacementRequest> requests = new ArrayList<>(instances);
        for (int i = 0; i < instances; i++) {
            String deployment = "d" + (i / perDeployment);
            requests.add(new PlacementRequest(deployment + "/Web_IN_" + (i % perDeployment), deployment + "/Web", VmSize.Small, null));
        }
        double[] rates = new double[rounds];
        double[] cpuRates = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long c0 = CPU.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            var placement = new Placement(offers, Map.of());
            var decisions = placement.place(requests);
            long t1 = System.nanoTime();
            cpuRates[r] = instances / ((CPU.getCurrentThreadCpuTime() - c0) / 1e9);
            if (decisions.stream().anyMatch(d -> !d.placed())) throw new IllegalStateException("benchmark set-up leaves instances unplaced");
            rates[r] = instances / ((t1 - t0) / 1e9);
        }
        System.out.printf(Locale.ROOT, "placement (Placement alone, index build included): median %,.0f placements/s wall, %,.0f per CPU-second (rounds, wall: %s)%n",
                median(rates), median(cpuRates), fmt(rates, "%.0f"));
    }

    /** The pure reconciler: the first pass creates and places everything; later passes over a steady fleet decide nothing. */
    private static void reconcilePasses(int hostCount, int instances, int domains, int perDeployment, int rounds) {
        long now = 1_000_000_000L;
        Map<String, Host> hosts = new HashMap<>();
        for (int i = 0; i < hostCount; i++) hosts.put(hostName(i), new Host(hostName(i), HOST, i % domains, HostStatus.Up, now));
        Map<String, Deployment> deployments = new HashMap<>();
        for (int d = 0; d < instances / perDeployment; d++) deployments.put("d" + d, deployment("d" + d, perDeployment));
        Reconciler reconciler = new Reconciler(HealingPolicy.DEFAULT);

        double[] placeMs = new double[rounds];
        double[] placeCpuMs = new double[rounds];
        Map<String, RoleInstance> placed = null;
        for (int r = 0; r < rounds; r++) {
            Map<String, RoleInstance> empty = new HashMap<>();
            long c0 = CPU.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            List<Action> actions = reconciler.reconcile(new DesiredState(deployments, empty, hosts, Map.of()), new ObservedState(Map.of()), now);
            placeMs[r] = (System.nanoTime() - t0) / 1e6;
            placeCpuMs[r] = (CPU.getCurrentThreadCpuTime() - c0) / 1e6;
            placed = new HashMap<>(instances * 2);
            for (Action a : actions) if (a instanceof InstanceAction ia) placed.put(ia.instance().key(), ia.instance());
        }
        if (placed.size() != instances || placed.values().stream().anyMatch(ri -> !ri.hasHost())) throw new IllegalStateException("first pass did not place everything");
        System.out.printf(Locale.ROOT, "first reconcile pass (creates and places %,d instances): median %.0f ms wall = %,.0f placements/s; "
                        + "median %.0f ms CPU = %,.0f placements/s per core (rounds, wall: %s ms)%n",
                instances, median(placeMs), instances / (median(placeMs) / 1000), median(placeCpuMs), instances / (median(placeCpuMs) / 1000), fmt(placeMs, "%.0f"));

        Map<String, Map<String, ObservedInstance>> observed = new HashMap<>();
        for (RoleInstance ri : placed.values()) {
            observed.computeIfAbsent(ri.host(), h -> new HashMap<>()).put(ri.key(),
                    new ObservedInstance(ri.key(), ri.incarnation(), ri.rebootGeneration(), RoleState.ReadyRole, HealthCause.AGENT_READY, "", now));
        }
        double[] steadyMs = new double[rounds * 2];
        double[] steadyCpuMs = new double[rounds * 2];
        int decided = 0;
        for (int r = 0; r < steadyMs.length; r++) {
            long c0 = CPU.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            decided = reconciler.reconcile(new DesiredState(deployments, placed, hosts, Map.of()), new ObservedState(observed), now + 500).size();
            steadyMs[r] = (System.nanoTime() - t0) / 1e6;
            steadyCpuMs[r] = (CPU.getCurrentThreadCpuTime() - c0) / 1e6;
        }
        System.out.printf(Locale.ROOT, "steady reconcile pass over %,d ready instances: median %.1f ms wall (best %.1f), median %.1f ms CPU, %d actions (rounds, wall: %s ms)%n",
                instances, median(steadyMs), Arrays.stream(steadyMs).min().orElse(0), median(steadyCpuMs), decided, fmt(steadyMs, "%.1f"));

        // one host in each fault domain stops beating: detect, and recreate its instances elsewhere
        Map<String, Host> withLosses = new HashMap<>(hosts);
        for (int fd = 0; fd < domains; fd++) withLosses.put(hostName(fd), withLosses.get(hostName(fd)).heardAt(now - 10_000));
        double[] healMs = new double[rounds];
        double[] healCpuMs = new double[rounds];
        int healing = 0;
        for (int r = 0; r < rounds; r++) {
            long c0 = CPU.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            healing = reconciler.reconcile(new DesiredState(deployments, placed, withLosses, Map.of()), new ObservedState(observed), now + 500).size();
            healMs[r] = (System.nanoTime() - t0) / 1e6;
            healCpuMs[r] = (CPU.getCurrentThreadCpuTime() - c0) / 1e6;
        }
        System.out.printf(Locale.ROOT, "pass that finds %d hosts down and relocates their instances: median %.1f ms wall, %.1f ms CPU, %d actions (rounds, wall: %s ms)%n",
                domains, median(healMs), median(healCpuMs), healing, fmt(healMs, "%.1f"));
    }

    /** The store the controller part runs on: SQLite in {@code dir}, or etcd when {@code vmrole.bench.store} names a cluster. */
    private static Store openStore(Path dir) {
        String etcd = System.getProperty("vmrole.bench.store", "");
        if (etcd.isBlank()) return SqliteStore.open(dir.resolve("fabric.db"));
        // the first placing pass commits every instance in one transaction: give it time
        return EtcdStore.over(EtcdAddress.parse(etcd).connect(), "/bench-" + System.currentTimeMillis() + "/", Duration.ofSeconds(300), 100_000);
    }

    /** The controller itself on a SQLite (or etcd) store: registration, deployment, placement, heartbeats, heap after GC. */
    private static void controllerAtScale(int hostCount, int instances, int domains, int perDeployment) throws Exception {
        long baseline = usedHeapAfterGc();
        Path dir = Files.createTempDirectory("fabric-bench");
        SimulatedClock clock = new SimulatedClock();
        try (Store store = openStore(dir)) {
            FabricController controller = new FabricController(store, clock, HealingPolicy.DEFAULT);
            String[] tokens = new String[hostCount];
            long t0 = System.nanoTime();
            for (int i = 0; i < hostCount; i++) {
                tokens[i] = controller.issueJoinToken(hostName(i));
                controller.registerHost(tokens[i], new HostRegistration(hostName(i), HOST, i % domains));
            }
            long t1 = System.nanoTime();
            // on etcd, one transaction of 100,000 instances times out (etcd applies a proposal within its election timeout):
            // the fleet is placed ten deployments at a time there, 500 instances per commit
            boolean etcd = store instanceof EtcdStore;
            int actions = 0;
            for (int d = 0; d < instances / perDeployment; d++) {
                controller.createDeployment(deployment("d" + d, perDeployment));
                if (etcd && d % 10 == 9) actions += controller.reconcileOnce().size();
            }
            long t2 = System.nanoTime();
            actions += controller.reconcileOnce().size();
            long t3 = System.nanoTime();
            System.out.printf(Locale.ROOT, "controller on " + (store instanceof EtcdStore ? "etcd" : "SQLite") + ": %,d hosts joined in %.1f s (two durable commits each), %,d deployments accepted in %.1f s, "
                            + "placing pass with its commit %.1f s (%d actions)%n",
                    hostCount, (t1 - t0) / 1e9, instances / perDeployment, (t2 - t1) / 1e9, (t3 - t2) / 1e9, actions);

            @SuppressWarnings("unchecked") List<Assignment>[] assigned = new List[hostCount];
            long[] versions = new long[hostCount];
            clock.advance(Duration.ofMillis(500));
            long t4 = System.nanoTime();
            int sent = 0;
            for (int i = 0; i < hostCount; i++) {
                var answer = controller.heartbeat(hostName(i), tokens[i], List.of(), -1);
                if (answer.isPresent()) {
                    assigned[i] = answer.get().assignments();
                    versions[i] = answer.get().version();
                    sent++;
                }
            }
            long t5 = System.nanoTime();
            System.out.printf(Locale.ROOT, "first heartbeat round (assignments sent to %,d hosts): %.0f ms%n", sent, (t5 - t4) / 1e6);
            List<List<ObservedInstance>> reports = new ArrayList<>(hostCount);
            for (int i = 0; i < hostCount; i++) {
                List<ObservedInstance> report = new ArrayList<>();
                for (Assignment a : assigned[i]) report.add(new ObservedInstance(a.key(), a.incarnation(), a.rebootGeneration(), RoleState.ReadyRole, HealthCause.AGENT_READY, "", clock.millis()));
                reports.add(report);
            }
            double[] roundMs = new double[5];
            double[] roundCpuMs = new double[5];
            for (int r = 0; r < roundMs.length; r++) {
                clock.advance(Duration.ofSeconds(1));
                long c0 = CPU.getCurrentThreadCpuTime();
                long h0 = System.nanoTime();
                for (int i = 0; i < hostCount; i++) {
                    if (controller.heartbeat(hostName(i), tokens[i], reports.get(i), versions[i]).isPresent()) throw new IllegalStateException("unchanged assignments were sent again");
                }
                roundMs[r] = (System.nanoTime() - h0) / 1e6;
                roundCpuMs[r] = (CPU.getCurrentThreadCpuTime() - c0) / 1e6;
            }
            System.out.printf(Locale.ROOT, "steady heartbeat round (%,d hosts x %d instances each, nothing to send, in process): median %.0f ms wall, %.0f ms CPU "
                            + "= %,.0f heartbeats per CPU-second (rounds, wall: %s ms)%n",
                    hostCount, instances / hostCount, median(roundMs), median(roundCpuMs), hostCount / (median(roundCpuMs) / 1000), fmt(roundMs, "%.0f"));
            int finishing = controller.reconcileOnce().size();
            System.out.printf(Locale.ROOT, "pass that finishes the %,d create operations: %d actions%n", instances / perDeployment, finishing);
            double[] passMs = new double[5];
            double[] passCpuMs = new double[5];
            for (int r = 0; r < passMs.length; r++) {
                long c0 = CPU.getCurrentThreadCpuTime();
                long p0 = System.nanoTime();
                int n = controller.reconcileOnce().size();
                passMs[r] = (System.nanoTime() - p0) / 1e6;
                passCpuMs[r] = (CPU.getCurrentThreadCpuTime() - c0) / 1e6;
                if (n > 0) throw new IllegalStateException("a steady fleet should need no actions, got " + n);
            }
            System.out.printf(Locale.ROOT, "controller reconcile pass at that size: median %.1f ms wall, %.1f ms CPU (rounds, wall: %s ms)%n",
                    median(passMs), median(passCpuMs), fmt(passMs, "%.1f"));
            long heap = usedHeapAfterGc() - baseline;
            System.out.printf(Locale.ROOT, "controller heap after GC with %,d hosts, %,d instances and their last reports: %.0f MiB%n",
                    hostCount, instances, heap / (1024.0 * 1024));
            if (controller.listDeployments().isEmpty()) throw new IllegalStateException("controller lost its deployments");
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Deployment deployment(String id, int count) {
        return new Deployment(id, "svc-" + id, "production", 5,
                List.of(new RoleSpec("Web", VmSize.Small, count, "sha256:00", Map.of("Greeting", "hi"), List.of(), List.of())), false);
    }

    private static String hostName(int i) {
        return "host-" + i;
    }

    /** Explicit GC is a full, stop-the-world collection under G1; twice, so objects freed by finalisation go too. */
    private static long usedHeapAfterGc() {
        var memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 2; i++) System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static double median(double[] values) {
        double[] copy = values.clone();
        Arrays.sort(copy);
        return copy[copy.length / 2];
    }

    private static String fmt(double[] values, String format) {
        StringBuilder b = new StringBuilder();
        for (double v : values) b.append(b.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, format, v));
        return b.toString();
    }
}
