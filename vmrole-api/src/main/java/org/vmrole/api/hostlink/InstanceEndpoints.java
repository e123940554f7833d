package org.vmrole.api.hostlink;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.vmrole.model.host.EndpointBinding;

/**
 * Where each instance's endpoints can be reached, as its host last reported (observed state: kept in memory,
 * reported again by every heartbeat after a restart).
 */
public final class InstanceEndpoints {
    private final Map<String, Map<String, List<EndpointBinding>>> byHost = new ConcurrentHashMap<>();

    public void reported(String host, Map<String, List<EndpointBinding>> endpoints) {
        byHost.put(host, Map.copyOf(endpoints));
    }

    /** The endpoints of an instance on a host, or none when that host does not report it. */
    public List<EndpointBinding> of(String host, String instanceKey) {
        if (host == null) return List.of();
        return byHost.getOrDefault(host, Map.of()).getOrDefault(instanceKey, List.of());
    }
}
