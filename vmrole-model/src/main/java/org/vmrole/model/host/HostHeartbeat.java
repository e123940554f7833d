package org.vmrole.model.host;

import java.util.List;

/** A host's heartbeat: everything it observes, and the version of the assignments it already holds. */
public record HostHeartbeat(String host, long knownAssignmentsVersion, List<ObservedInstance> instances) {
    public HostHeartbeat {
        instances = List.copyOf(instances == null ? List.of() : instances);
    }
}
