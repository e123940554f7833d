package org.vmrole.fabric.reconcile;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.vmrole.model.InstanceName;
import org.vmrole.model.RoleState;

/**
 * Whether a deployment keeps the VM Role SLA: every role has at least two ready instances, in at least two fault
 * domains. {@code reason} says why not, or what holds it.
 */
public record Sla(boolean ok, String reason) {

    /** Judges the instances of one deployment, as {@code FabricController.listInstances} lists them. */
    public static Sla of(List<InstanceView> instances) {
        if (instances.isEmpty()) return new Sla(false, "no instances");
        Map<String, List<InstanceView>> byRole = new LinkedHashMap<>();
        for (InstanceView v : instances) byRole.computeIfAbsent(InstanceName.parse(v.instance()).role(), k -> new ArrayList<>()).add(v);
        for (var e : byRole.entrySet()) {
            String atRisk = atRisk(e.getValue());
            if (atRisk != null) return new Sla(false, byRole.size() > 1 ? "role " + e.getKey() + ": " + atRisk : atRisk);
        }
        TreeSet<Integer> domains = readyDomains(instances);
        long ready = instances.stream().filter(v -> v.state() == RoleState.ReadyRole).count();
        return new Sla(true, ready + " ready instances in " + domains.size() + " fault domains");
    }

    /** Why one role is at risk, or {@code null} when it is not. */
    private static String atRisk(List<InstanceView> role) {
        if (role.size() < 2) return "one instance: no redundancy";
        long ready = role.stream().filter(v -> v.state() == RoleState.ReadyRole).count();
        if (ready < 2) return ready + " of " + role.size() + " instances ready";
        TreeSet<Integer> domains = readyDomains(role);
        return domains.size() < 2 ? "all instances in fault domain " + domains.first() : null;
    }

    private static TreeSet<Integer> readyDomains(List<InstanceView> instances) {
        TreeSet<Integer> out = new TreeSet<>();
        for (InstanceView v : instances) if (v.state() == RoleState.ReadyRole) out.add(v.faultDomain());
        return out;
    }
}
