package org.vmrole.fabric.reconcile;

import java.util.Map;
import java.util.Set;
import org.vmrole.model.host.ObservedInstance;

/**
 * What hosts last reported: for each host name, the instances it runs by key; and the hosts that have not yet
 * confirmed receiving their latest assignments (their last heartbeat named an older assignment version).
 */
public record ObservedState(Map<String, Map<String, ObservedInstance>> byHost, Set<String> behind) {

    /** Every host up to date with its assignments. */
    public ObservedState(Map<String, Map<String, ObservedInstance>> byHost) {
        this(byHost, Set.of());
    }

    /** The host has reported since the controller started; until then, an instance missing from it means nothing. */
    public boolean hasReport(String host) {
        return byHost.containsKey(host);
    }

    /** The host has received every assignment the controller made for it (it beat with the latest version). */
    public boolean upToDate(String host) {
        return !behind.contains(host);
    }

    public ObservedInstance instance(String host, String key) {
        Map<String, ObservedInstance> onHost = byHost.get(host);
        return onHost == null ? null : onHost.get(key);
    }
}
