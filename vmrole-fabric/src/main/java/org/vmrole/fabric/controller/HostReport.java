package org.vmrole.fabric.controller;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.vmrole.model.host.ObservedInstance;

/**
 * What a host last reported of its instances, as the leading replica stores it for the others: heartbeats reach the
 * leader only, and a replica that does not lead shows instance states from here (written on each change, not each beat).
 */
record HostReport(String host, List<ObservedInstance> instances) {
    HostReport {
        instances = List.copyOf(instances);
    }

    /** The report of {@code host}, in a stable order, so that an unchanged report compares equal. */
    static HostReport of(String host, Map<String, ObservedInstance> byKey) {
        return new HostReport(host, byKey.values().stream().sorted(Comparator.comparing(ObservedInstance::key)).toList());
    }

    Map<String, ObservedInstance> byKey() {
        Map<String, ObservedInstance> out = new java.util.HashMap<>(instances.size() * 2);
        for (ObservedInstance o : instances) out.put(o.key(), o);
        return out;
    }
}
