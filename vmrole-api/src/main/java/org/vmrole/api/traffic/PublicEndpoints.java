package org.vmrole.api.traffic;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Where clients reach each deployment's input endpoints on the load balancer, as the traffic layer last applied them. */
public final class PublicEndpoints {
    private final Map<String, List<PublicEndpoint>> byDeployment = new ConcurrentHashMap<>();

    /** One load-balanced endpoint: role, endpoint name, and the address clients use. */
    public record PublicEndpoint(String role, String endpoint, String protocol, String address, List<String> inRotation) {}

    public void set(String deploymentId, List<PublicEndpoint> endpoints) {
        byDeployment.put(deploymentId, List.copyOf(endpoints));
    }

    public void remove(String deploymentId) {
        byDeployment.remove(deploymentId);
    }

    public List<PublicEndpoint> of(String deploymentId) {
        return byDeployment.getOrDefault(deploymentId, List.of());
    }
}
