package org.vmrole.model.host;

import java.util.List;
import java.util.Map;

/**
 * A host's heartbeat: everything it observes, the host ports each instance's endpoints are forwarded from
 * (by instance key), and the version of the assignments it already holds.
 */
public record HostHeartbeat(String host, long knownAssignmentsVersion, List<ObservedInstance> instances,
                            Map<String, List<EndpointBinding>> endpoints) {
    public HostHeartbeat {
        instances = List.copyOf(instances == null ? List.of() : instances);
        endpoints = Map.copyOf(endpoints == null ? Map.of() : endpoints);
    }
}
