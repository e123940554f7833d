package org.vmrole.host;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.vmrole.model.host.Assignment;

/**
 * Decides what a host must do so that its VMs match the controller's assignments. Pure and idempotent:
 * called again with the same input after the actions ran, it returns nothing.
 */
public final class HostPlan {
    private HostPlan() {
    }

    private static boolean topologyChanged(Assignment next, Assignment current) {
        if (next.network() == null) return current.network() != null;
        return !next.network().sameTopology(current.network());
    }

    /**
     * @param desired  the controller's full list of assignments for this host
     * @param running  the assignment each held VM runs (including VMs that died and are not yet replaced)
     * @param failed   instances whose start failed, with the incarnation that failed
     */
    public static List<HostAction> plan(List<Assignment> desired, Map<String, Assignment> running, Map<String, Long> failed) {
        List<HostAction> actions = new ArrayList<>();
        Set<String> wanted = new HashSet<>();
        for (Assignment a : desired) {
            String key = a.key();
            if (!wanted.add(key)) throw new IllegalArgumentException("assignment for " + key + " appears twice");
            Assignment current = running.get(key);
            if (current == null) {
                Long failedIncarnation = failed.get(key);
                // A start that failed is retried only for a newer incarnation: the controller decides when to try again.
                if (failedIncarnation == null || a.incarnation() > failedIncarnation) {
                    actions.add(new HostAction(HostAction.Kind.START, key));
                }
            } else if (a.incarnation() > current.incarnation()) {
                actions.add(new HostAction(HostAction.Kind.REIMAGE, key));
            } else if (a.incarnation() == current.incarnation() && a.rebootGeneration() > current.rebootGeneration()) {
                actions.add(new HostAction(HostAction.Kind.REBOOT, key));
            } else if (a.incarnation() == current.incarnation() && (!a.settings().equals(current.settings()) || topologyChanged(a, current))) {
                // new setting values or private-network peers for the same incarnation: delivered to the running guest, no reimage
                actions.add(new HostAction(HostAction.Kind.CHANGE_SETTINGS, key));
            }
        }
        for (String key : running.keySet()) {
            if (!wanted.contains(key)) actions.add(new HostAction(HostAction.Kind.STOP, key));
        }
        actions.sort((x, y) -> x.key().compareTo(y.key()));
        return actions;
    }
}
