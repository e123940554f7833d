package org.vmrole.fabric.controller;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.vmrole.model.RoleState;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.ObservedInstance;

/**
 * Make-before-break towards the load balancer: a host is told to stop or reimage a VM that serves only once the
 * balancer has taken that copy out of rotation and its connections have drained (reboots too). Until then the host
 * keeps the assignment it was last sent for it. Reimage, scale-in, upgrade, moves and host drains all reach the host this way,
 * so none of them cuts a request, and none waits a guessed delay.
 */
public final class RotationHold {

    /**
     * Whether the load balancer still sends traffic to, or holds connections open to, the copy {@code running} on
     * {@code host}, whose endpoints are published on {@code hostAddress} (hosts on one machine share an address).
     */
    @FunctionalInterface
    public interface Serving {
        boolean test(String host, String hostAddress, Assignment running);
    }

    /** No load balancer to wait for: changes go to hosts at once. */
    public static final Serving NONE = (host, hostAddress, running) -> false;

    private RotationHold() {
    }

    /**
     * What to send a host: {@code wanted}, except that an instance whose VM was {@code lastSent}, is observed
     * serving at that incarnation, and is still {@code serving} at the balancer keeps its last assignment instead of
     * a higher incarnation, a reboot, or none. Pure; call again on every heartbeat while it holds something back.
     */
    public static List<Assignment> toSend(String host, String hostAddress, List<Assignment> wanted, List<Assignment> lastSent,
                                          Map<String, ObservedInstance> observed, Serving serving) {
        Map<String, Assignment> before = new HashMap<>();
        for (Assignment a : lastSent) before.put(a.key(), a);
        Map<String, Assignment> now = new HashMap<>();
        for (Assignment a : wanted) now.put(a.key(), a);
        List<Assignment> out = new ArrayList<>(wanted.size());
        for (Assignment w : wanted) {
            Assignment old = before.get(w.key());
            boolean takesAway = old != null && (w.incarnation() > old.incarnation()
                    || w.incarnation() == old.incarnation() && w.rebootGeneration() > old.rebootGeneration());
            out.add(takesAway && serves(host, hostAddress, old, observed, serving) ? old : w);
        }
        for (Assignment old : lastSent) {
            // gone from this host (moved, scaled in, host drained): it drains here, but off the private network,
            // where a new copy elsewhere has its address and MAC
            if (!now.containsKey(old.key()) && serves(host, hostAddress, old, observed, serving)) out.add(offTheNetwork(old));
        }
        return out;
    }

    private static Assignment offTheNetwork(Assignment a) {
        return a.network() == null || a.network().detached() ? a : a.withLiveChange(a.settings(), a.network().withDetached(true));
    }

    private static boolean serves(String host, String hostAddress, Assignment old, Map<String, ObservedInstance> observed, Serving serving) {
        ObservedInstance o = observed.get(old.key());
        boolean vmServes = o != null && o.incarnation() == old.incarnation()
                && (o.state() == RoleState.ReadyRole || o.state() == RoleState.BusyRole);
        return vmServes && serving.test(host, hostAddress, old);
    }
}
