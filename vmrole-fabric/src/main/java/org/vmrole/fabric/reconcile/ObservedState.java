package org.vmrole.fabric.reconcile;

import java.util.Map;
import org.vmrole.model.host.ObservedInstance;

/** What hosts last reported: for each host name, the instances it runs by key. */
public record ObservedState(Map<String, Map<String, ObservedInstance>> byHost) {

    /** The host has reported since the controller started; until then, an instance missing from it means nothing. */
    public boolean hasReport(String host) {
        return byHost.containsKey(host);
    }

    public ObservedInstance instance(String host, String key) {
        Map<String, ObservedInstance> onHost = byHost.get(host);
        return onHost == null ? null : onHost.get(key);
    }
}
