package org.vmrole.model.host;

import java.util.List;

/** One instance on a deployment's private network: its address and its role's internal endpoints. */
public record NetworkPeer(String role, String instanceId, String address, List<InternalBinding> endpoints) {
    public NetworkPeer {
        endpoints = List.copyOf(endpoints == null ? List.of() : endpoints);
    }
}
