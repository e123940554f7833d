package org.vmrole.fabric.reconcile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.HostStatus;
import org.vmrole.fabric.model.Operation;
import org.vmrole.fabric.model.RoleInstance;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.fabric.model.Upgrade;
import org.vmrole.fabric.model.UpgradeMode;
import org.vmrole.fabric.model.UpgradeState;

/**
 * One step of a deployment's rolling upgrade, pure: the domain in flight is done when every one of its instances is
 * ready on its new incarnation, and stops the walk when one of them failed since the domain started; then the next
 * domain starts (at once in {@code Auto} mode, after a walk request in {@code Manual}), its placed instances reimaged
 * onto the target roles; once no domain is left the target becomes the deployment's version.
 */
final class UpgradeWalk {
    /** What the step decided, and the instance records it reimaged (the pass reconciles those instead of the old ones). */
    record Step(List<Action> actions, Map<String, RoleInstance> reimaged) {}

    private final Deployment deployment;
    private final List<RoleInstance> instances;
    private final Map<String, HostStatus> hostStatus;
    private final ObservedState observed;
    private final Operation operation;
    private final long now;
    private final List<Action> actions = new ArrayList<>();
    private final Map<String, RoleInstance> reimaged = new HashMap<>();

    private UpgradeWalk(Deployment deployment, List<RoleInstance> instances, Map<String, HostStatus> hostStatus,
                        ObservedState observed, Operation operation, long now) {
        this.deployment = deployment;
        this.instances = instances;
        this.hostStatus = hostStatus;
        this.observed = observed;
        this.operation = operation;
        this.now = now;
    }

    /**
     * @param instances the deployment's instance records
     * @param operation the operation named by the upgrade, or null when the store no longer holds it
     */
    static Step step(Deployment deployment, List<RoleInstance> instances, Map<String, HostStatus> hostStatus,
                     ObservedState observed, Operation operation, long now) {
        UpgradeWalk walk = new UpgradeWalk(deployment, instances, hostStatus, observed, operation, now);
        walk.run();
        return new Step(walk.actions, walk.reimaged);
    }

    private void run() {
        Upgrade u = deployment.upgrade();
        if (u.state() == UpgradeState.Failed) return;
        if (u.state() == UpgradeState.Walking) {
            if (!domainDone(u)) return;
            u = u.domainDone();
        }
        walkOn(u);
    }

    /** Whether the domain in flight is done; stops the walk, or reports progress, when it is not. */
    private boolean domainDone(Upgrade u) {
        List<RoleInstance> members = members(u.currentDomain());
        for (RoleInstance m : members) {
            if (m.healing().failures() > 0 && m.healing().lastFailureMillis() >= u.domainStartedMillis()) {
                stop(u, "update domain " + u.currentDomain() + ": " + m.name() + " did not come back on version " + u.targetVersion()
                        + " (" + m.lastCause() + "); walk stopped. Roll back with ./vmrole upgrade SERVICE --rollback");
                return false;
            }
        }
        List<String> notReady = new ArrayList<>();
        for (RoleInstance m : members) {
            if (!ready(m)) {
                // an instance short of capacity says why, so the operation tells the user what it waits for
                notReady.add(m.name() + " " + InstanceView.state(m, m.host() == null ? null : hostStatus.get(m.host()), observe(m))
                        + (m.waitingReason() == null ? "" : " " + m.waitingReason()));
            }
        }
        if (!notReady.isEmpty()) {
            report(op -> op.withProgress(label(u) + ": update domain " + u.currentDomain() + " (" + String.join(", ", notReady) + ")" + walked(u)));
            return false;
        }
        return true;
    }

    /** Between domains: finishes the upgrade, starts the next domain, or waits for a walk request. */
    private void walkOn(Upgrade u) {
        if (u.pendingDomains().isEmpty()) {
            Deployment done = deployment.withUpgrade(u).upgraded();
            String text = "version " + u.targetVersion() + " on update domains " + u.walkedDomains();
            actions.add(new UpdateDeployment(done, label(u) + ": every update domain walked"));
            report(op -> op.succeeded(text, now));
            return;
        }
        int next = u.nextDomain();
        if (u.mode() == UpgradeMode.Auto || u.permittedDomain() == next) {
            startDomain(u.walking(next, now));
        } else {
            if (!u.equals(deployment.upgrade())) actions.add(new UpdateDeployment(deployment.withUpgrade(u), label(u) + ": update domain " + u.walkedDomains().getLast() + " walked"));
            report(op -> op.succeeded(label(u) + ": walked " + u.walkedDomains() + "; walk update domain " + next + " next", now));
        }
    }

    private void startDomain(Upgrade u) {
        boolean live = settingsOnly(deployment.roles(), u.targetRoles());
        String cause = label(u) + ": update domain " + u.currentDomain() + (live ? ", new settings delivered live" : "");
        List<String> names = new ArrayList<>();
        for (RoleInstance m : members(u.currentDomain())) {
            names.add(m.name().toString());
            if (!m.hasHost() || live) continue;
            RoleInstance next = m.withHealing(m.healing().withRestartDone(), cause).nextIncarnation(now, cause);
            actions.add(new ReimageInstance(next, cause));
            reimaged.put(next.key(), next);
        }
        actions.add(new UpdateDeployment(deployment.withUpgrade(u), cause));
        report(op -> op.withProgress(cause + " (" + (live ? "changing " : "reimaging ") + String.join(", ", names) + ")" + walked(u)));
    }

    /** The versions differ in setting values at most: same image, size, endpoints and disks, so no reimage is needed. */
    static boolean settingsOnly(List<RoleSpec> from, List<RoleSpec> to) {
        for (RoleSpec a : from) {
            RoleSpec b = to.stream().filter(r -> r.name().equals(a.name())).findFirst().orElse(null);
            if (b == null || !b.withSettings(a.settings()).equals(a)) return false;
        }
        return true;
    }

    private void stop(Upgrade u, String why) {
        actions.add(new UpdateDeployment(deployment.withUpgrade(u.failed(why)), why));
        report(op -> op.failed(why, now));
    }

    /** Updates the upgrade's operation, if the store still holds it and it is in progress. */
    private void report(java.util.function.UnaryOperator<Operation> change) {
        if (operation == null || !operation.inProgress()) return;
        Operation next = change.apply(operation);
        if (next.equals(operation)) return;
        actions.add(new UpdateOperation(next, next.inProgress() ? next.progress() : next.status() + ": " + (next.error() == null ? next.progress() : next.error())));
    }

    /** The wanted instances of {@code domain} (scale-ins wait for the upgrade, so base and target counts agree). */
    private List<RoleInstance> members(int domain) {
        List<RoleInstance> out = new ArrayList<>();
        for (RoleInstance ri : instances) {
            if (ri.retiring() || ri.updateDomain() != domain) continue;
            RoleSpec spec = deployment.role(ri.name().role()).orElse(null);
            if (spec != null && ri.name().index() < spec.instanceCount()) out.add(ri);
        }
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return out;
    }

    private boolean ready(RoleInstance m) {
        if (!m.hasHost() || m.healing().restartPending()) return false;
        HostStatus s = hostStatus.get(m.host());
        // up to date: a change of settings alone keeps the incarnation, so only the host's confirmation shows it took
        return (s == HostStatus.Up || s == HostStatus.Draining) && observed.upToDate(m.host()) && InstanceHealth.ready(m, observe(m));
    }

    private org.vmrole.model.host.ObservedInstance observe(RoleInstance m) {
        return m.host() == null ? null : observed.instance(m.host(), m.key());
    }

    private static String label(Upgrade u) {
        return (u.rollback() ? "rolling back to version " : "upgrading to version ") + u.targetVersion();
    }

    private static String walked(Upgrade u) {
        return u.walkedDomains().isEmpty() ? "" : "; walked " + u.walkedDomains();
    }
}
