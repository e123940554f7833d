package org.vmrole.model.host;

import java.util.List;
import java.util.Map;
import org.vmrole.model.InstanceName;
import org.vmrole.model.VmSize;

/**
 * What the controller asks one host to run for one instance. A higher incarnation means "throw the old
 * VM and its overlay away and start fresh"; a higher rebootGeneration means "reset, keep the overlay". {@code network} is
 * null when the deployment has no private network.
 */
public record Assignment(
        String deploymentId,
        InstanceName instance,
        long incarnation,
        long rebootGeneration,
        VmSize size,
        String imageDigest,
        int updateDomain,
        int faultDomain,
        Map<String, String> settings,
        List<EndpointBinding> endpoints,
        List<LocalDisk> localDisks,
        PrivateNetwork network) {

    public Assignment {
        settings = Map.copyOf(settings);
        endpoints = List.copyOf(endpoints);
        localDisks = List.copyOf(localDisks);
    }

    /** An instance whose deployment has no private network (no role declares an internal endpoint). */
    public Assignment(String deploymentId, InstanceName instance, long incarnation, long rebootGeneration, VmSize size, String imageDigest,
                      int updateDomain, int faultDomain, Map<String, String> settings, List<EndpointBinding> endpoints, List<LocalDisk> localDisks) {
        this(deploymentId, instance, incarnation, rebootGeneration, size, imageDigest, updateDomain, faultDomain, settings, endpoints, localDisks, null);
    }

    /** The same instance with new setting values and network topology: what a live change delivers. */
    public Assignment withLiveChange(Map<String, String> newSettings, PrivateNetwork newNetwork) {
        return new Assignment(deploymentId, instance, incarnation, rebootGeneration, size, imageDigest, updateDomain, faultDomain,
                newSettings, endpoints, localDisks, newNetwork);
    }

    /** Unique across the platform: deployment and instance name. */
    public String key() {
        return deploymentId + "/" + instance;
    }
}
