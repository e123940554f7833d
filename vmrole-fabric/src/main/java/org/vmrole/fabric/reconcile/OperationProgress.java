package org.vmrole.fabric.reconcile;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.HostStatus;
import org.vmrole.fabric.model.Operation;
import org.vmrole.fabric.model.OperationKind;
import org.vmrole.fabric.model.RoleInstance;
import org.vmrole.fabric.model.RoleSpec;

/** Within one reconcile pass: tallies the instances that in-progress operations wait on, then reports progress. */
final class OperationProgress {
    private final DesiredState desired;
    private final long now;
    private final Set<String> watched = new HashSet<>();
    private final Map<String, Map<String, Tally>> tallies = new HashMap<>();

    /** Instances of one role: how many are wanted and present, ready, still stopping, and why one waits. */
    private static final class Tally {
        int present;
        int ready;
        int stopping;
        String waiting;
    }

    OperationProgress(DesiredState desired, long now) {
        this.desired = desired;
        this.now = now;
        for (Operation op : desired.operations().values()) {
            if (op.inProgress() && (op.kind() == OperationKind.CreateDeployment || op.kind() == OperationKind.ScaleRole)) watched.add(op.deploymentId());
        }
    }

    void count(String key, RoleInstance ri, boolean wanted, Map<String, HostStatus> hostStatus, ObservedState observed) {
        if (!watched.contains(ri.deploymentId())) return;
        Tally t = tally(ri.deploymentId(), ri.name().role());
        if (!wanted) {
            t.stopping++;
            return;
        }
        t.present++;
        if (ri.hasHost() && hostStatus.get(ri.host()) == HostStatus.Up && InstanceHealth.ready(ri, observed.instance(ri.host(), key))) t.ready++;
        if (ri.waitingReason() != null && t.waiting == null) t.waiting = ri.name() + " " + ri.waitingReason();
    }

    void note(InstanceAction action) {
        RoleInstance ri = action.instance();
        if (!watched.contains(ri.deploymentId()) || ri.waitingReason() == null) return;
        Tally t = tally(ri.deploymentId(), ri.name().role());
        if (t.waiting == null) t.waiting = ri.name() + " " + ri.waitingReason();
    }

    private Tally tally(String deploymentId, String role) {
        return tallies.computeIfAbsent(deploymentId, k -> new HashMap<>()).computeIfAbsent(role, k -> new Tally());
    }

    /** Adds deployment removals and operation updates to {@code actions}. */
    void finish(List<Action> actions, Map<String, HostStatus> hostStatus, ObservedState observed, Map<String, Integer> remaining) {
        Set<String> removed = new HashSet<>();
        for (Deployment d : desired.deployments().values()) {
            if (d.deleting() && !remaining.containsKey(d.id())) {
                actions.add(new RemoveDeployment(d.id(), "every instance stopped"));
                removed.add(d.id());
            }
        }
        for (Operation op : desired.operations().values()) {
            if (!op.inProgress()) continue;
            Operation next = switch (op.kind()) {
                case CreateDeployment -> deploymentProgress(op, null);
                case ScaleRole -> deploymentProgress(op, op.role());
                case DeleteDeployment -> deletion(op, removed, remaining);
                case RebootInstance, ReimageInstance -> instanceProgress(op, hostStatus, observed);
                // UpgradeWalk reports these as it walks
                case UpgradeDeployment, WalkUpgradeDomain, RollbackUpgrade -> upgradeGone(op);
            };
            if (!next.equals(op)) actions.add(new UpdateOperation(next, next.inProgress() ? next.progress() : next.status() + ": " + (next.error() == null ? next.progress() : next.error())));
        }
    }

    private Operation deploymentProgress(Operation op, String onlyRole) {
        Deployment d = desired.deployments().get(op.deploymentId());
        if (d == null || d.deleting()) return op.failed("deployment " + op.deploymentId() + " was deleted before the operation finished", now);
        int wanted = 0;
        int ready = 0;
        int stopping = 0;
        String waiting = null;
        Map<String, Tally> byRole = tallies.getOrDefault(d.id(), Map.of());
        for (RoleSpec r : d.roles()) {
            if (onlyRole != null && !onlyRole.equals(r.name())) continue;
            Tally t = byRole.getOrDefault(r.name(), new Tally());
            wanted += r.instanceCount();
            ready += Math.min(t.ready, r.instanceCount());
            stopping += t.stopping;
            if (waiting == null) waiting = t.waiting;
        }
        if (ready == wanted && stopping == 0) return op.succeeded(wanted + " of " + wanted + " instances ready", now);
        String text = ready + " of " + wanted + " instances ready" + (stopping > 0 ? ", " + stopping + " stopping" : "")
                + (waiting != null ? "; " + waiting : "");
        return op.withProgress(text);
    }

    /** Only an upgrade whose deployment went away ends here; {@link UpgradeWalk} reports the rest. */
    private Operation upgradeGone(Operation op) {
        Deployment d = desired.deployments().get(op.deploymentId());
        if (d == null || d.deleting()) return op.failed("deployment " + op.deploymentId() + " was deleted before the upgrade finished", now);
        if (d.upgrade() == null || !op.id().equals(d.upgrade().operationId())) return op.failed("the upgrade ended without this operation", now);
        return op;
    }

    private Operation deletion(Operation op, Set<String> removed, Map<String, Integer> remaining) {
        if (removed.contains(op.deploymentId()) || !desired.deployments().containsKey(op.deploymentId())) {
            return op.succeeded("every instance stopped and removed", now);
        }
        return op.withProgress(remaining.getOrDefault(op.deploymentId(), 0) + " instances still stopping");
    }

    private Operation instanceProgress(Operation op, Map<String, HostStatus> hostStatus, ObservedState observed) {
        RoleInstance ri = desired.instances().get(op.deploymentId() + "/" + op.instance());
        if (ri == null || ri.retiring()) return op.failed("instance " + op.instance() + " was removed before the operation finished", now);
        boolean reimage = op.kind() == OperationKind.ReimageInstance;
        long reached = reimage ? ri.incarnation() : ri.rebootGeneration();
        boolean ready = ri.hasHost() && hostStatus.get(ri.host()) == HostStatus.Up && InstanceHealth.ready(ri, observed.instance(ri.host(), ri.key()));
        if (reached >= op.goal() && ready) {
            return op.succeeded(op.instance() + " ready at " + (reimage ? "incarnation " : "reboot ") + reached, now);
        }
        String state = op.instance() + " " + InstanceView.state(ri, hostStatus.get(ri.host()), observed.instance(ri.host(), ri.key()));
        return op.withProgress(ri.waitingReason() == null ? state : state + "; " + ri.waitingReason());
    }
}
