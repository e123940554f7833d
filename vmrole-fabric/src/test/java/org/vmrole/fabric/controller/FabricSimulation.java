package org.vmrole.fabric.controller;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.Operation;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.fabric.reconcile.HealingPolicy;
import org.vmrole.fabric.reconcile.InstanceView;
import org.vmrole.fabric.store.InMemoryStore;
import org.vmrole.fabric.store.Store;
import org.vmrole.host.sim.SimulatedClock;
import org.vmrole.host.sim.SimulatedDriver;
import org.vmrole.model.RoleState;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.HostCapacity;
import org.vmrole.model.host.ObservedInstance;

/**
 * One seeded failure schedule: a controller and simulated hosts on a fake clock, with no threads of its own.
 * A chaos phase crashes and hangs VMs, partitions and power-cycles hosts, restarts the controller, scales and
 * deletes deployments; a quiet phase then waits for convergence. Invariants are checked after every second.
 */
public final class FabricSimulation {
    static final HealingPolicy POLICY = new HealingPolicy(Duration.ofSeconds(3), Duration.ofSeconds(30),
            Duration.ofSeconds(1), Duration.ofSeconds(8), 3, Duration.ofSeconds(20));
    private static final int CHAOS_SECONDS = 45;
    private static final int QUIET_SECONDS = 180;

    private final long seed;
    private final Random random;
    private final SimulatedClock clock = new SimulatedClock();
    private final Store store;
    private final List<SimulatedHost> hosts = new ArrayList<>();
    private final Map<String, Integer> offUntil = new HashMap<>();
    private final Map<String, Integer> partitionedUntil = new HashMap<>();
    private final Map<String, Integer> revokedUntil = new HashMap<>();
    private final Map<String, Deployment> live = new TreeMap<>();
    private final Set<String> deleted = new TreeSet<>();
    private final List<String> operations = new ArrayList<>();
    private final Deque<String> trace = new ArrayDeque<>();
    private FabricController controller;
    private int second;
    private int nextDeployment = 1;
    private int faultDomains;
    private long eventDigest;
    private int events;

    FabricSimulation(long seed) {
        this(seed, new InMemoryStore());
    }

    /** The same schedule over another store (the etcd store's test runs a few seeds on a real etcd). */
    public FabricSimulation(long seed, Store store) {
        this.seed = seed;
        this.random = new Random(seed);
        this.store = store;
    }

    /** Runs the schedule; throws {@link AssertionError} naming the seed and the last events when an invariant breaks. */
    public void run() {
        controller = new FabricController(store, clock, POLICY);
        faultDomains = 2 + random.nextInt(2);
        int hostCount = faultDomains * 2 + random.nextInt(3);
        for (int i = 0; i < hostCount; i++) {
            SimulatedHost h = new SimulatedHost("h" + i, i % faultDomains, new HostCapacity(4, 16384, 2000), clock,
                    new SimulatedDriver.Timings(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(3)));
            h.join(controller);
            hosts.add(h);
        }
        createDeployment();
        if (random.nextBoolean()) createDeployment();
        for (int i = 0; i < CHAOS_SECONDS; i++) {
            if (random.nextInt(10) < 4) chaos();
            tick();
        }
        note("quiet: hosts return, failures stop");
        partitionedUntil.clear();
        offUntil.clear();
        for (String name : revokedUntil.keySet()) {
            hosts.stream().filter(h -> h.name.equals(name)).findFirst().orElseThrow().join(controller);
        }
        revokedUntil.clear();
        for (SimulatedHost h : hosts) h.partitioned = false;
        int cores = hosts.size() * 4;
        boolean short_ = wanted() > cores;
        for (int i = 0; i < QUIET_SECONDS; i++) {
            tick();
            if (short_) {
                // more instances wanted than cores exist: the rest must wait, saying why, until scaled down
                String unsettled = unsettledShortage(cores);
                if (unsettled == null) {
                    scaleToFit();
                    short_ = false;
                } else if (i == QUIET_SECONDS - 1) {
                    fail("a shortage of capacity did not settle: " + unsettled);
                }
                continue;
            }
            String unmet = unconverged();
            if (unmet == null) return;
            if (i == QUIET_SECONDS - 1) fail("did not converge " + QUIET_SECONDS + " s after failures stopped: " + unmet);
        }
    }

    // ---- the world moving ------------------------------------------------------------------------------

    private void tick() {
        second++;
        clock.advance(Duration.ofSeconds(1));
        for (SimulatedHost h : hosts) {
            Integer off = offUntil.get(h.name);
            if (off != null && second >= off) {
                offUntil.remove(h.name);
                note(h.name + " powers on");
            }
            Integer cut = partitionedUntil.get(h.name);
            if (cut != null && second >= cut) {
                partitionedUntil.remove(h.name);
                h.partitioned = false;
                note(h.name + " reconnects");
            }
            Integer revoked = revokedUntil.get(h.name);
            if (revoked != null && second >= revoked) {
                revokedUntil.remove(h.name);
                h.join(controller);
                note(h.name + " is admitted again");
            }
            if (!offUntil.containsKey(h.name)) h.beat(controller);
        }
        // a copy dropped by this pass runs until its host's next heartbeat
        Set<String> handingOver = handoverCopies();
        controller.reconcileOnce();
        handingOver.addAll(handoverCopies());
        checkOneLiveCopy(handingOver);
    }

    private void chaos() {
        switch (random.nextInt(13)) {
            case 0, 1 -> onRandomVm("crashes", (h, key) -> h.driver().crash(key));
            case 2 -> onRandomVm("panics", (h, key) -> h.driver().panic(key));
            case 3 -> onRandomVm("hangs", (h, key) -> h.driver().hangAgent(key));
            case 4 -> {
                SimulatedHost h = pick(hosts);
                List<InstanceView> all = allInstances();
                if (all.isEmpty()) return;
                String key = pick(all).deploymentId() + "/" + pick(all).instance();
                h.driver().failNextStart(key);
                note("next start of " + key + " on " + h.name + " will fail");
            }
            case 5 -> {
                SimulatedHost h = pick(hosts);
                if (h.partitioned || offUntil.containsKey(h.name)) return;
                h.partitioned = true;
                partitionedUntil.put(h.name, second + 2 + random.nextInt(10));
                note(h.name + " is cut off until " + partitionedUntil.get(h.name));
            }
            case 6 -> {
                SimulatedHost h = pick(hosts);
                if (offUntil.containsKey(h.name)) return;
                h.powerCycle();
                offUntil.put(h.name, second + 1 + random.nextInt(10));
                note(h.name + " loses power until " + offUntil.get(h.name));
            }
            case 7 -> {
                if (random.nextInt(4) == 0) {
                    SimulatedHost h = pick(hosts);
                    if (revokedUntil.containsKey(h.name)) return;
                    controller.revokeHost(h.name);
                    revokedUntil.put(h.name, second + 2 + random.nextInt(8));
                    note(h.name + " is revoked until " + revokedUntil.get(h.name));
                    return;
                }
                note("controller restarts");
                controller = new FabricController(store, clock, POLICY);
            }
            case 8 -> {
                if (live.isEmpty()) return;
                Deployment d = pick(new ArrayList<>(live.values()));
                if (upgrading(d.id())) return;
                int count = random.nextInt(6) == 0 ? 10 + random.nextInt(25) : random.nextInt(5);
                operations.add(controller.scale(d.id(), "Web", count).id());
                live.put(d.id(), d.withInstanceCount("Web", count));
                note("scale " + d.id() + " to " + count);
            }
            case 9 -> {
                if (live.isEmpty()) return;
                String id = pick(new ArrayList<>(live.keySet()));
                operations.add(controller.deleteDeployment(id).id());
                live.remove(id);
                deleted.add(id);
                note("delete " + id);
            }
            case 10 -> {
                if (live.size() < 2) createDeployment();
            }
            case 11 -> upgradeOrRollBack();
            default -> {
                List<InstanceView> all = allInstances();
                if (all.isEmpty()) return;
                InstanceView v = pick(all);
                if (v.state() == RoleState.StoppingVM || v.state() == RoleState.StoppedVM) return;
                boolean reboot = random.nextBoolean();
                operations.add((reboot ? controller.reboot(v.deploymentId(), v.instance()) : controller.reimage(v.deploymentId(), v.instance())).id());
                note((reboot ? "reboot " : "reimage ") + v.deploymentId() + "/" + v.instance());
            }
        }
    }

    private boolean upgrading(String deploymentId) {
        return controller.getDeployment(deploymentId).map(d -> d.upgrade() != null).orElse(false);
    }

    /** Starts an upgrade to a new image (auto) of a deployment that has none, or rolls back the one under way. */
    private void upgradeOrRollBack() {
        if (live.isEmpty()) return;
        String id = pick(new ArrayList<>(live.keySet()));
        if (upgrading(id)) {
            operations.add(controller.rollback(id).id());
            note("roll back the upgrade of " + id);
            return;
        }
        Deployment d = controller.getDeployment(id).orElseThrow();
        RoleSpec r = d.roles().get(0);
        String image = "sha256:v" + (d.version() + 1);
        operations.add(controller.upgrade(id, List.of(new RoleSpec(r.name(), r.size(), r.instanceCount(), image, r.settings(), r.endpoints(), r.localDisks())),
                org.vmrole.fabric.model.UpgradeMode.Auto).id());
        note("upgrade " + id + " to " + image);
    }

    private void createDeployment() {
        String id = "d" + nextDeployment++;
        int count = 1 + random.nextInt(4);
        Deployment d = new Deployment(id, "svc-" + id, "production", 1 + random.nextInt(5),
                List.of(new RoleSpec("Web", VmSize.Small, count, "sha256:00", Map.of(), List.of(), List.of())), false);
        operations.add(controller.createDeployment(d).id());
        live.put(id, d);
        note("create " + id + " with " + count + " instances");
    }

    private void onRandomVm(String what, java.util.function.BiConsumer<SimulatedHost, String> fault) {
        List<String[]> running = new ArrayList<>();
        for (SimulatedHost h : hosts) {
            if (offUntil.containsKey(h.name)) continue;
            for (ObservedInstance o : sorted(h.observe())) if (o.state().mayBeLive()) running.add(new String[] {h.name, o.key()});
        }
        if (running.isEmpty()) return;
        String[] chosen = pick(running);
        SimulatedHost h = hosts.stream().filter(x -> x.name.equals(chosen[0])).findFirst().orElseThrow();
        fault.accept(h, chosen[1]);
        note(chosen[1] + " on " + h.name + " " + what);
    }

    // ---- invariants ------------------------------------------------------------------------------------

    private Set<String> handoverCopies() {
        Set<String> out = new HashSet<>();
        for (Deployment d : controller.listDeployments()) {
            for (InstanceView v : controller.listHandoverCopies(d.id())) out.add(d.id() + "/" + v.instance() + "@" + v.host() + "#" + v.incarnation());
        }
        return out;
    }

    private boolean reachable(SimulatedHost h) {
        return !h.partitioned && !offUntil.containsKey(h.name);
    }

    /**
     * Never two live copies of one instance on hosts the controller can reach, but for the old copy the controller
     * keeps running while the instance moves make-before-break ({@code key@host#incarnation}).
     */
    private void checkOneLiveCopy(Set<String> handingOver) {
        Map<String, String> seen = new HashMap<>();
        for (SimulatedHost h : hosts) {
            if (!reachable(h)) continue;
            for (ObservedInstance o : h.observe()) {
                if (!o.state().mayBeLive() || handingOver.contains(o.key() + "@" + h.name + "#" + o.incarnation())) continue;
                String other = seen.put(o.key(), h.name);
                if (other != null) fail("two live copies of " + o.key() + ": on " + other + " and " + h.name);
            }
        }
    }

    /** Each fault domain's cores (4 per host) minus the Small instances (1 core) the controller placed there. */
    private Map<Integer, Integer> freeCoresPerDomain() {
        Map<Integer, Integer> free = new HashMap<>();
        for (SimulatedHost h : hosts) free.merge(h.faultDomain, 4, Integer::sum);
        for (Deployment d : live.values()) {
            for (InstanceView v : controller.listInstances(d.id())) if (v.host() != null) free.merge(v.faultDomain(), -1, Integer::sum);
        }
        return free;
    }

    private int wanted() {
        return live.values().stream().mapToInt(Deployment::totalInstances).sum();
    }

    /** Null when every core runs a Ready instance and every other instance waits with a reason its operation repeats. */
    private String unsettledShortage(int cores) {
        int ready = 0;
        for (Deployment d : live.values()) {
            boolean waits = false;
            for (InstanceView v : controller.listInstances(d.id())) {
                if (v.state() == RoleState.ReadyRole) {
                    ready++;
                } else if (v.waitingReason() != null && v.waitingReason().startsWith("waiting: needs 1 core")) {
                    waits = true;
                } else {
                    return d.id() + "/" + v.instance() + " is " + v.state() + " (" + v.lastCause() + ")";
                }
            }
            for (String id : operations) {
                Operation op = controller.getOperation(id).orElseThrow();
                if (waits && op.inProgress() && op.deploymentId().equals(d.id()) && !op.progress().contains("waiting: needs")) {
                    return "operation " + id + " on " + d.id() + " does not say why it waits: " + op.progress();
                }
            }
        }
        return ready == cores ? null : ready + " instances ready on " + cores + " cores";
    }

    private void scaleToFit() {
        for (Deployment d : new ArrayList<>(live.values())) {
            if (d.totalInstances() <= 4) continue;
            if (upgrading(d.id())) {
                // a deployment takes one change at a time: one upgrading past the capacity can only be deleted now
                operations.add(controller.deleteDeployment(d.id()).id());
                live.remove(d.id());
                deleted.add(d.id());
                note("delete " + d.id() + ": upgrading with more instances than cores");
                continue;
            }
            operations.add(controller.scale(d.id(), "Web", 4).id());
            live.put(d.id(), d.withInstanceCount("Web", 4));
            note("scale " + d.id() + " down to 4 to fit");
        }
    }

    /** Null when everything converged; otherwise what has not. */
    private String unconverged() {
        for (String id : operations) {
            Operation op = controller.getOperation(id).orElse(null);
            if (op == null) return "operation " + id + " is lost";
            if (op.inProgress()) return "operation " + id + " (" + op.kind() + " " + op.deploymentId() + ") still in progress: " + op.progress();
        }
        Map<String, List<String>> running = new HashMap<>();
        int vms = 0;
        for (SimulatedHost h : hosts) {
            for (ObservedInstance o : h.observe()) {
                if (!o.state().mayBeLive()) continue;
                running.computeIfAbsent(o.key(), k -> new ArrayList<>()).add(h.name + "@" + o.incarnation());
                vms++;
            }
        }
        int wanted = 0;
        Map<String, Map<Integer, Integer>> spreads = new TreeMap<>();
        for (Deployment d : live.values()) {
            List<InstanceView> views = controller.listInstances(d.id());
            int count = d.roles().get(0).instanceCount();
            wanted += count;
            if (views.size() != count) return d.id() + " has " + views.size() + " instances, wants " + count;
            Map<Integer, Integer> perDomain = new HashMap<>();
            for (InstanceView v : views) {
                if (v.state() != RoleState.ReadyRole) return d.id() + "/" + v.instance() + " is " + v.state() + " (" + v.lastCause() + ")";
                List<String> copies = running.getOrDefault(v.deploymentId() + "/" + v.instance(), List.of());
                if (!copies.equals(List.of(v.host() + "@" + v.incarnation()))) return d.id() + "/" + v.instance() + " runs as " + copies + ", controller says " + v.host() + "@" + v.incarnation();
                String wantImage = controller.getDeployment(d.id()).orElseThrow().specFor("Web", v.updateDomain()).orElseThrow().imageDigest();
                String runsImage = hosts.stream().filter(h -> h.name.equals(v.host())).findFirst().orElseThrow().driver()
                        .assignment(v.deploymentId() + "/" + v.instance()).map(org.vmrole.model.host.Assignment::imageDigest).orElse(null);
                if (!wantImage.equals(runsImage)) return d.id() + "/" + v.instance() + " runs image " + runsImage + ", its update domain wants " + wantImage;
                perDomain.merge(v.faultDomain(), 1, Integer::sum);
            }
            spreads.put(d.id(), perDomain);
        }
        // a role may be uneven across fault domains only where the emptier domain has no core left
        Map<Integer, Integer> freeCores = freeCoresPerDomain();
        for (var e : spreads.entrySet()) {
            Map<Integer, Integer> perDomain = e.getValue();
            int most = perDomain.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            for (int fd = 0; fd < faultDomains; fd++) {
                int here = perDomain.getOrDefault(fd, 0);
                if (most - here > 1 && freeCores.getOrDefault(fd, 0) > 0) {
                    return e.getKey() + " is spread unevenly over fault domains " + perDomain + " though FD " + fd + " has " + freeCores.get(fd) + " free cores";
                }
            }
        }
        for (String id : deleted) {
            if (controller.getDeployment(id).isPresent()) return "deleted " + id + " is still there";
            for (String key : running.keySet()) if (key.startsWith(id + "/")) return "deleted " + id + " still runs " + key;
        }
        if (vms != wanted) return vms + " VMs run, " + wanted + " wanted: " + new TreeMap<>(running);
        return null;
    }

    // ---- plumbing --------------------------------------------------------------------------------------

    private List<InstanceView> allInstances() {
        List<InstanceView> out = new ArrayList<>();
        for (String id : live.keySet()) out.addAll(controller.listInstances(id));
        return out;
    }

    private static List<ObservedInstance> sorted(List<ObservedInstance> list) {
        List<ObservedInstance> out = new ArrayList<>(list);
        out.sort(java.util.Comparator.comparing(ObservedInstance::key));
        return out;
    }

    private <T> T pick(List<T> list) {
        return list.get(random.nextInt(list.size()));
    }

    /** What the schedule did and where it ended: equal for two runs of one seed when replay is exact. */
    String outcome() {
        StringBuilder b = new StringBuilder("events=" + events + " digest=" + eventDigest + " revision=" + store.revision() + " t=" + second);
        for (String id : live.keySet()) {
            for (InstanceView v : controller.listInstances(id)) b.append('\n').append(v);
        }
        return b.toString();
    }

    private void note(String event) {
        events++;
        eventDigest = eventDigest * 31 + (second + " " + event).hashCode();
        trace.addLast("t=" + second + " " + event);
        if (trace.size() > 40) trace.removeFirst();
    }

    private void fail(String why) {
        throw new AssertionError("simulation seed " + seed + " failed at t=" + second + ": " + why
                + "\nreplay: mvn -pl vmrole-fabric -am test -Dtest=FabricSimulationTest -Dsurefire.failIfNoSpecifiedTests=false -Dvmrole.simulation.seed=" + seed
                + "\nlast events:\n  " + String.join("\n  ", trace) + "\n" + state());
    }

    /** Hosts and instances as the controller and the hosts see them, for a failure report. */
    private String state() {
        StringBuilder b = new StringBuilder("hosts:");
        for (var h : controller.listHosts()) b.append("\n  ").append(h);
        for (SimulatedHost h : hosts) b.append("\n  ").append(h.name).append(" runs ").append(sorted(h.observe()).stream().map(o -> o.key() + "@" + o.incarnation() + ":" + o.state()).toList());
        b.append("\ninstances:");
        for (String id : live.keySet()) for (InstanceView v : controller.listInstances(id)) b.append("\n  ").append(v);
        return b.toString();
    }
}
