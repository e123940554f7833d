package org.vmrole.model.host;

import java.util.List;
import java.util.Map;
import org.vmrole.model.InstanceName;
import org.vmrole.model.VmSize;

/**
 * What the controller asks one host to run for one instance. A higher incarnation means "throw the old
 * VM and its overlay away and start fresh"; a higher rebootGeneration means "reset, keep the overlay".
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
        List<LocalDisk> localDisks) {

    public Assignment {
        settings = Map.copyOf(settings);
        endpoints = List.copyOf(endpoints);
        localDisks = List.copyOf(localDisks);
    }

    /** Unique across the platform: deployment and instance name. */
    public String key() {
        return deploymentId + "/" + instance;
    }
}
