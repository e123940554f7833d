package org.vmrole.fabric.reconcile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.Handover;
import org.vmrole.fabric.model.Healing;
import org.vmrole.fabric.model.Host;
import org.vmrole.fabric.model.HostStatus;
import org.vmrole.fabric.model.RoleInstance;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.fabric.placement.FreeCapacity;
import org.vmrole.fabric.placement.HostOffer;
import org.vmrole.fabric.placement.Placement;
import org.vmrole.fabric.placement.PlacementDecision;
import org.vmrole.fabric.placement.PlacementRequest;
import org.vmrole.model.InstanceName;
import org.vmrole.model.RoleState;
import org.vmrole.model.host.ObservedInstance;

/**
 * Decides what should happen: {@code (desired, observed, now) -> actions}, each with its cause. Pure and
 * idempotent: no I/O, the clock is a parameter, and running it again on the same input gives the same actions.
 * Carrying the actions out (and feeding the results back as the next desired state) is the caller's job.
 */
public final class Reconciler {
    private final HealingPolicy policy;

    public Reconciler(HealingPolicy policy) {
        this.policy = policy;
    }

    public List<Action> reconcile(DesiredState desired, ObservedState observed, long now) {
        return new Pass(desired, observed, now).run();
    }

    private enum Move { NEW, UNPLACED, RELOCATE, REBALANCE }

    /** An instance that needs a host in this pass; {@code base} is its record before the host is chosen. */
    private record Pending(String key, RoleInstance base, String avoidHost, Move move, String fromHost, String cause, GroupStats group) {
        Pending(RoleInstance base, String avoidHost, Move move, String fromHost, String cause) {
            this(base.key(), base, avoidHost, move, fromHost, cause, null);
        }
    }

    /** The wanted instances of one role: how many exist, how many are ready, and how they sit in fault domains. */
    private static final class GroupStats {
        int present;
        int ready;
        boolean busy;
        // indexed by fault-domain label (labels are small non-negative numbers); grown on demand
        int[] perDomain = new int[8];
        RoleInstance[] highestPerDomain = new RoleInstance[8];

        void placed(RoleInstance ri) {
            int fd = ri.faultDomain();
            if (fd >= perDomain.length) {
                perDomain = java.util.Arrays.copyOf(perDomain, fd * 2);
                highestPerDomain = java.util.Arrays.copyOf(highestPerDomain, fd * 2);
            }
            perDomain[fd]++;
            RoleInstance top = highestPerDomain[fd];
            if (top == null || top.name().index() < ri.name().index()) highestPerDomain[fd] = ri;
        }

        int in(int fd) {
            return fd < perDomain.length ? perDomain[fd] : 0;
        }
    }

    /** One reconcile pass; lives for a single call. */
    private final class Pass {
        private final DesiredState desired;
        private final ObservedState observed;
        private final long now;
        private final List<Action> actions = new ArrayList<>();
        private final Map<String, HostStatus> hostStatus = new HashMap<>();
        private final Map<String, Map<String, RoleSpec>> specs = new HashMap<>();
        private final Map<String, Map<String, GroupStats>> groups = new HashMap<>();
        private final Set<Integer> liveDomains = new HashSet<>();
        private final List<Pending> pending = new ArrayList<>();
        private final Set<String> leaving = new HashSet<>();
        private final Map<String, List<RoleInstance>> draining = new HashMap<>();
        private final Map<String, Integer> remaining = new HashMap<>();
        private final OperationProgress operations;

        Pass(DesiredState desired, ObservedState observed, long now) {
            this.desired = desired;
            this.observed = observed;
            this.now = now;
            this.operations = new OperationProgress(desired, now);
        }

        List<Action> run() {
            checkHosts();
            Map<String, RoleInstance> walked = walkUpgrades();
            // the map's keys carry their hash codes; RoleInstance.key() would build a new string per call
            for (Map.Entry<String, RoleInstance> e : desired.instances().entrySet()) {
                reconcile(e.getKey(), walked.isEmpty() ? e.getValue() : walked.getOrDefault(e.getKey(), e.getValue()));
            }
            createMissing();
            drain();
            rebalance();
            place();
            operations.finish(actions, hostStatus, observed, remaining);
            return actions;
        }

        private void checkHosts() {
            long timeout = policy.hostTimeout().toMillis();
            for (Host h : desired.hosts().values()) {
                long silent = now - h.lastHeartbeatMillis();
                HostStatus status = h.status();
                if (status != HostStatus.Down && silent > timeout) {
                    status = HostStatus.Down;
                    actions.add(new MarkHostDown(h.withStatus(status), "no heartbeat for " + seconds(silent) + " (timeout " + seconds(timeout) + ")"));
                } else if (status == HostStatus.Down && silent <= timeout) {
                    status = HostStatus.Up;
                    actions.add(new MarkHostUp(h.withStatus(status), "heartbeats resumed"));
                }
                hostStatus.put(h.name(), status);
                if (status == HostStatus.Up) liveDomains.add(h.faultDomain());
            }
        }

        /** Steps every upgrade under way; returns the instance records it reimaged, which this pass reconciles instead. */
        private Map<String, RoleInstance> walkUpgrades() {
            Map<String, List<RoleInstance>> upgrading = new HashMap<>();
            for (Deployment d : desired.deployments().values()) {
                if (d.upgrade() != null && !d.deleting()) upgrading.put(d.id(), new ArrayList<>());
            }
            if (upgrading.isEmpty()) return Map.of();
            for (RoleInstance ri : desired.instances().values()) {
                List<RoleInstance> mine = upgrading.get(ri.deploymentId());
                if (mine != null) mine.add(ri);
            }
            Map<String, RoleInstance> reimaged = new HashMap<>();
            for (var e : upgrading.entrySet()) {
                Deployment d = desired.deployments().get(e.getKey());
                UpgradeWalk.Step step = UpgradeWalk.step(d, e.getValue(), hostStatus, observed, desired.operations().get(d.upgrade().operationId()), now);
                step.actions().forEach(this::add);
                reimaged.putAll(step.reimaged());
            }
            return reimaged;
        }

        /** The spec an instance runs: its role's, or the upgrade's target once its update domain was walked. */
        private RoleSpec running(RoleInstance ri) {
            Deployment d = desired.deployments().get(ri.deploymentId());
            if (d == null) return null;
            if (d.upgrade() == null) return spec(d.id(), ri.name().role());
            return d.specFor(ri.name().role(), ri.updateDomain()).orElse(null);
        }

        private RoleSpec spec(String deploymentId, String role) {
            Map<String, RoleSpec> roles = specs.computeIfAbsent(deploymentId, id -> {
                Deployment d = desired.deployments().get(id);
                Map<String, RoleSpec> byName = new HashMap<>();
                if (d != null) d.roles().forEach(r -> byName.put(r.name(), r));
                return byName;
            });
            return roles.get(role);
        }

        private void reconcile(String key, RoleInstance ri) {
            Deployment d = desired.deployments().get(ri.deploymentId());
            RoleSpec spec = d == null ? null : spec(d.id(), ri.name().role());
            boolean wanted = d != null && !d.deleting() && spec != null && ri.name().index() < spec.instanceCount();
            operations.count(key, ri, wanted, hostStatus, observed);
            if (!wanted) {
                retire(key, ri, d, spec);
                return;
            }
            GroupStats stats = groups.computeIfAbsent(ri.deploymentId(), k -> new HashMap<>()).computeIfAbsent(ri.name().role(), k -> new GroupStats());
            stats.present++;
            if (ri.retiring()) {
                stats.busy = true;
                add(new StartInstance(ri.withRetiring(false, null).nextIncarnation(now, "wanted again after a scale-in"), "wanted again after a scale-in"));
                return;
            }
            Healing h = ri.healing();
            if (!ri.hasHost()) {
                stats.busy = true;
                if (h.restartPending() && now < h.restartAtMillis()) return;
                pending.add(new Pending(key, ri.withHealing(h.withRestartDone(), ri.lastCause()), null, Move.UNPLACED, null, ri.lastCause(), null));
                return;
            }
            HostStatus status = hostStatus.get(ri.host());
            if (status == null || status == HostStatus.Down) {
                String cause = status == null ? "host " + ri.host() + " was removed" : "host " + ri.host() + " is down";
                stats.busy = true;
                relocate(ri, ri.host(), cause);
                return;
            }
            stats.placed(ri);
            if (ri.handover() != null) {
                stats.busy = true; // one move per role at a time
                if (handOver(ri)) return;
            }
            if (status == HostStatus.Draining) draining.computeIfAbsent(group(ri), k -> new ArrayList<>()).add(ri);
            Map<String, ObservedInstance> report = observed.byHost().get(ri.host());
            if (report == null) return; // the host has not reported since the controller started
            ObservedInstance obs = report.get(key);
            if (InstanceHealth.ready(ri, obs) && !ri.healing().restartPending()) stats.ready++;
            heal(ri, obs);
        }

        /**
         * Steps a make-before-break move: the old copy is released once the new one is ready, and dropped on the next
         * pass, or at once when its host is gone. Its host stops it only once the load balancer has drained it
         * ({@code RotationHold} holds the stop back until then), so no delay is guessed here. True when it decided a step.
         */
        private boolean handOver(RoleInstance ri) {
            Handover h = ri.handover();
            HostStatus oldHost = hostStatus.get(h.host());
            if (oldHost == null || oldHost == HostStatus.Down) {
                add(new HandOver(ri.withHandover(null, ri.lastCause()), "the copy on " + h.host() + " is gone (host " + (oldHost == null ? "removed" : "down") + ")"));
                return true;
            }
            if (h.released()) {
                String cause = "stopping the copy on " + h.host() + " once the load balancer has drained it";
                add(new HandOver(ri.withHandover(null, cause), cause));
                return true;
            }
            if (!InstanceHealth.ready(ri, observed.instance(ri.host(), ri.key()))) return false;
            String cause = "ready on " + ri.host() + "; the copy on " + h.host() + " leaves the rotation";
            add(new HandOver(ri.withHandover(h.releasedAt(now), cause), cause));
            return true;
        }

        private void retire(String key, RoleInstance ri, Deployment d, RoleSpec spec) {
            if (!ri.hasHost()) {
                add(new RemoveInstance(ri, "not wanted and not placed"));
                return;
            }
            if (!ri.retiring()) {
                String cause = d == null ? "deployment is gone" : d.deleting() ? "deployment is being deleted"
                        : spec == null ? "role is gone" : "scaled in to " + spec.instanceCount() + " instances";
                add(new StopInstance(ri.withRetiring(true, cause), cause));
                countRemaining(ri);
                return;
            }
            HostStatus status = hostStatus.get(ri.host());
            ObservedInstance obs = observed.instance(ri.host(), key);
            if (status == null || status == HostStatus.Down) {
                add(new RemoveInstance(ri, "host " + ri.host() + " is down; it fences the instance if it returns"));
            } else if (!observed.hasReport(ri.host())) {
                countRemaining(ri);
            } else if (obs == null || !obs.state().mayBeLive()) {
                add(new RemoveInstance(ri, "host " + ri.host() + " stopped it"));
            } else {
                countRemaining(ri);
            }
        }

        private void countRemaining(RoleInstance ri) {
            remaining.merge(ri.deploymentId(), 1, Integer::sum);
        }

        private void heal(RoleInstance ri, ObservedInstance obs) {
            Healing h = ri.healing();
            if (h.restartPending()) {
                if (now >= h.restartAtMillis()) restart(ri.withHealing(h.withRestartDone(), ri.lastCause()), ri.lastCause());
                return;
            }
            boolean tooLong = ri.assignedAtMillis() > 0 && now - ri.assignedAtMillis() > policy.startTimeout().toMillis();
            if (!InstanceHealth.current(ri, obs)) {
                if (tooLong) fail(ri, "not started " + seconds(policy.startTimeout().toMillis()) + " after it was asked for");
                return;
            }
            if (InstanceHealth.failed(obs)) {
                fail(ri, InstanceHealth.describeFailure(obs));
                return;
            }
            RoleState state = obs.state();
            if (state == RoleState.ReadyRole || state == RoleState.BusyRole) {
                boolean stable = h.failures() > 0 && now - h.lastFailureMillis() >= policy.stableAfter().toMillis();
                if (stable || h.resetForSilence()) {
                    Healing next = new Healing(stable ? 0 : h.failures(), h.lastFailureMillis(), 0, false);
                    add(new RecordRecovery(ri.withHealing(next, ri.lastCause()), stable ? "healthy for " + seconds(policy.stableAfter().toMillis()) : "answering again after a reset"));
                }
            } else if (state == RoleState.UnresponsiveRole) {
                String silent = obs.judgedByProbe() ? "load-balancer probe failing" : "guest agent silent";
                if (!h.resetForSilence()) {
                    String cause = silent + "; resetting the VM";
                    add(new RebootInstance(ri.nextRebootGeneration(now, cause).withHealing(h.withResetForSilence(), cause), cause));
                } else {
                    fail(ri, obs.judgedByProbe() ? "load-balancer probe still failing after a reset" : "guest agent still silent after a reset");
                }
            } else if (tooLong) {
                fail(ri, "not ready " + seconds(policy.startTimeout().toMillis()) + " after it was asked for (" + state + ")");
            }
        }

        private void fail(RoleInstance ri, String reason) {
            Healing h = ri.healing();
            int failures = h.failures() + 1;
            long wait = policy.backoffMillis(failures);
            Healing next = h.withFailure(now, wait == 0 ? 0 : now + wait);
            if (wait == 0) {
                restart(ri.withHealing(next, reason), reason);
            } else {
                String cause = reason + "; failure " + failures + " in a row, restarting in " + seconds(wait);
                add(new BackOffInstance(ri.withHealing(next, cause), cause));
            }
        }

        private void restart(RoleInstance ri, String reason) {
            int failures = ri.healing().failures();
            if (policy.relocatesAfter(failures)) {
                relocate(ri, ri.host(), reason + "; moving off " + ri.host() + " after " + failures + " failures");
            } else {
                String cause = reason + "; reimaging on " + ri.host();
                add(new ReimageInstance(ri.nextIncarnation(now, cause), cause));
            }
        }

        private void relocate(RoleInstance ri, String from, String cause) {
            leaving.add(ri.key());
            pending.add(new Pending(ri.unplacedForMove(cause), from, Move.RELOCATE, from, cause));
        }

        private void createMissing() {
            for (Deployment d : desired.deployments().values()) {
                if (d.deleting()) continue;
                Map<String, GroupStats> counts = groups.getOrDefault(d.id(), Map.of());
                for (RoleSpec r : d.roles()) {
                    GroupStats have = counts.get(r.name());
                    if (have != null && have.present >= r.instanceCount()) continue;
                    String cause = "created for deployment " + d.id();
                    for (int i = 0; i < r.instanceCount(); i++) {
                        InstanceName name = new InstanceName(r.name(), i);
                        String key = RoleInstance.key(d.id(), name);
                        if (desired.instances().containsKey(key)) continue;
                        pending.add(new Pending(key, RoleInstance.unplaced(d.id(), name, d.upgradeDomainCount(), cause), null, Move.NEW, null, cause, null));
                    }
                }
            }
        }

        /**
         * Moves instances off draining hosts: one per role per pass, and only while every other instance of the role
         * is ready, so a drain never takes a role below its capacity by more than one instance.
         */
        private void drain() {
            for (var e : draining.entrySet()) {
                RoleInstance first = e.getValue().stream().min(Comparator.comparing(RoleInstance::name)).orElseThrow();
                GroupStats g = groups.get(first.deploymentId()).get(first.name().role());
                if (g.busy || g.ready != g.present || leaving.contains(first.key())) continue;
                g.busy = true;
                relocate(first, first.host(), "host " + first.host() + " is draining");
            }
        }

        /**
         * Moves one instance of a fully ready role from its most crowded fault domain when another live domain has
         * at least two fewer (after hosts came back, or a host of a new fault domain joined). Make-before-break: the
         * old copy keeps serving until the new one is ready, and the role moves one instance at a time.
         */
        private void rebalance() {
            if (liveDomains.size() < 2) return;
            Set<String> touched = new HashSet<>();
            for (Pending p : pending) touched.add(group(p.base()));
            for (var byDeployment : groups.entrySet()) {
                for (var byRole : byDeployment.getValue().entrySet()) {
                    GroupStats g = byRole.getValue();
                    if (g.busy || g.ready != g.present || g.present < 2) continue;
                    int most = -1;
                    int mostCount = 0;
                    int fewest = Integer.MAX_VALUE;
                    for (int fd : liveDomains) {
                        int n = g.in(fd);
                        if (n > mostCount || (n == mostCount && fd < most)) {
                            most = fd;
                            mostCount = n;
                        }
                        fewest = Math.min(fewest, n);
                    }
                    if (mostCount - fewest < 2) continue;
                    RoleInstance mover = g.highestPerDomain[most];
                    if (touched.contains(group(mover))) continue;
                    String cause = "spreading fault domains: " + mostCount + " in FD " + most + ", " + fewest + " in another; "
                            + mover.host() + " serves until the new copy is ready";
                    leaving.add(mover.key());
                    RoleInstance moving = mover.unplacedForMove(cause).withHandover(Handover.from(mover), cause);
                    pending.add(new Pending(mover.key(), moving, null, Move.REBALANCE, mover.host(), cause, g));
                }
            }
        }

        private void place() {
            if (pending.isEmpty()) return;
            pending.sort(BY_INSTANCE);
            Set<String> groupsOfInterest = new HashSet<>();
            for (Pending p : pending) groupsOfInterest.add(p.base().deploymentId());
            Map<String, int[]> used = new HashMap<>();
            Map<String, Map<Integer, Integer>> spread = new HashMap<>();
            for (Map.Entry<String, RoleInstance> e : desired.instances().entrySet()) {
                RoleInstance ri = e.getValue();
                if (!ri.hasHost()) continue;
                RoleSpec spec = running(ri);
                if (spec == null) continue;
                int[] u = used.computeIfAbsent(ri.host(), k -> new int[3]);
                u[0] += spec.size().cores();
                u[1] += spec.size().memoryMiB();
                u[2] += spec.size().localDiskGiB();
                if (ri.handover() != null) {
                    int[] o = used.computeIfAbsent(ri.handover().host(), k -> new int[3]);
                    o[0] += spec.size().cores();
                    o[1] += spec.size().memoryMiB();
                    o[2] += spec.size().localDiskGiB();
                }
                if (!ri.retiring() && groupsOfInterest.contains(ri.deploymentId()) && !leaving.contains(e.getKey())) {
                    spread.computeIfAbsent(group(ri), k -> new HashMap<>()).merge(ri.faultDomain(), 1, Integer::sum);
                }
            }
            List<HostOffer> offers = new ArrayList<>();
            for (Host h : desired.hosts().values()) {
                if (hostStatus.get(h.name()) != HostStatus.Up) continue;
                int[] u = used.getOrDefault(h.name(), new int[3]);
                offers.add(new HostOffer(h.name(), h.faultDomain(), new FreeCapacity(h.capacity().cores() - u[0],
                        h.capacity().memoryMiB() - u[1], h.capacity().diskGiB() - u[2])));
            }
            offers.sort(Comparator.comparing(HostOffer::host));
            Placement placement = new Placement(offers, spread);
            String group = null;
            RoleInstance groupOf = null;
            for (Pending p : pending) {
                RoleInstance base = p.base();
                RoleSpec spec = running(base);
                // pending is sorted by deployment and role: consecutive instances mostly share their group name
                if (groupOf == null || !groupOf.deploymentId().equals(base.deploymentId()) || !groupOf.name().role().equals(base.name().role())) {
                    group = group(base);
                    groupOf = base;
                }
                PlacementRequest request = new PlacementRequest(p.key(), group, spec.size(), p.avoidHost());
                PlacementDecision decision = placement.place(request);
                if (p.move() == Move.REBALANCE) {
                    int from = p.group().in(desired.instances().get(p.key()).faultDomain());
                    if (decision.placed() && p.group().in(decision.faultDomain()) < from - 1) {
                        add(new RelocateInstance(base.placedOn(decision.host(), decision.faultDomain(), now, p.cause()), p.fromHost(), p.cause()));
                    } else {
                        placement.release(request, decision);
                    }
                } else if (decision.placed()) {
                    String cause = p.move() == Move.UNPLACED ? "placed after waiting" : p.cause();
                    RoleInstance next = base.placedOn(decision.host(), decision.faultDomain(), now, cause);
                    add(p.move() == Move.RELOCATE ? new RelocateInstance(next, p.fromHost(), cause) : new StartInstance(next, cause));
                } else {
                    String reason = "waiting: " + decision.waitingReason();
                    RoleInstance next = base.waiting(reason);
                    if (p.move() == Move.RELOCATE) add(new RelocateInstance(next, p.fromHost(), p.cause()));
                    else if (p.move() == Move.NEW || !Objects.equals(reason, desired.instances().get(p.key()).waitingReason())) add(new WaitForCapacity(next, reason));
                }
            }
        }

        private void add(Action action) {
            actions.add(action);
            if (action instanceof InstanceAction ia) operations.note(ia);
        }
    }

    /** Instances that must be placed come first, in key order; rebalancing moves only get what is left. */
    private static final Comparator<Pending> BY_INSTANCE = (a, b) -> {
        boolean ar = a.move() == Move.REBALANCE;
        if (ar != (b.move() == Move.REBALANCE)) return ar ? 1 : -1;
        int c = a.base().deploymentId().compareTo(b.base().deploymentId());
        return c != 0 ? c : a.base().name().compareTo(b.base().name());
    };

    static String group(RoleInstance ri) {
        return ri.deploymentId() + "/" + ri.name().role();
    }

    static String seconds(long millis) {
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
    }
}
