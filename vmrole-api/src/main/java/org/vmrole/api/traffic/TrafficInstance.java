package org.vmrole.api.traffic;

import java.util.List;
import org.vmrole.model.InstanceName;
import org.vmrole.model.RoleState;
import org.vmrole.model.host.EndpointBinding;

/**
 * One role instance as the load balancer needs it: its name, its state in the fabric, and where its host publishes
 * its endpoints ({@code address} is the host's address for instance traffic, each binding gives the port).
 */
public record TrafficInstance(InstanceName name, RoleState state, String address, List<EndpointBinding> endpoints) {
    public TrafficInstance {
        endpoints = List.copyOf(endpoints == null ? List.of() : endpoints);
    }
}
