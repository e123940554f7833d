package org.vmrole.model.host;

import java.util.List;
import java.util.Map;
import org.vmrole.model.InstanceName;
import org.vmrole.model.VmSize;

/**
 * What the controller asks one host to run for one instance. A higher incarnation means "throw the old
 * VM and its overlay away and start fresh"; a higher rebootGeneration means "reset, keep the overlay". {@code network} is
 * null when the deployment has no private network. {@code userData} is the role's own cloud-init user-data (empty when
 * none); {@code probe} judges the instance when its image has no agent (null when the role has no input endpoint);
 * {@code drives} are the page-blob drives the host attaches to it (empty when the role declares none);
 * {@code storageAccounts} names the storage accounts of the instance's subscription, the only ones its guest may mount a
 * drive from at run time (filled in by the API on the way to the host, like the drives' keys).
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
        PrivateNetwork network,
        String userData,
        HealthProbe probe,
        List<DriveAttachment> drives,
        List<String> storageAccounts) {

    public Assignment {
        if (userData == null) userData = "";
        drives = drives == null ? List.of() : List.copyOf(drives);
        storageAccounts = storageAccounts == null ? List.of() : List.copyOf(storageAccounts);
        settings = Map.copyOf(settings);
        endpoints = List.copyOf(endpoints);
        localDisks = List.copyOf(localDisks);
    }

    /** An instance that may mount no drive at run time. */
    public Assignment(String deploymentId, InstanceName instance, long incarnation, long rebootGeneration, VmSize size, String imageDigest,
                      int updateDomain, int faultDomain, Map<String, String> settings, List<EndpointBinding> endpoints, List<LocalDisk> localDisks,
                      PrivateNetwork network, String userData, HealthProbe probe, List<DriveAttachment> drives) {
        this(deploymentId, instance, incarnation, rebootGeneration, size, imageDigest, updateDomain, faultDomain, settings, endpoints, localDisks,
                network, userData, probe, drives, List.of());
    }

    /** The same instance with its drives' current keys and its subscription's storage accounts: what its host receives. */
    public Assignment withStorage(List<DriveAttachment> keyedDrives, List<String> accounts) {
        return new Assignment(deploymentId, instance, incarnation, rebootGeneration, size, imageDigest, updateDomain, faultDomain,
                settings, endpoints, localDisks, network, userData, probe, keyedDrives, accounts);
    }

    /** An instance without drives. */
    public Assignment(String deploymentId, InstanceName instance, long incarnation, long rebootGeneration, VmSize size, String imageDigest,
                      int updateDomain, int faultDomain, Map<String, String> settings, List<EndpointBinding> endpoints, List<LocalDisk> localDisks,
                      PrivateNetwork network, String userData, HealthProbe probe) {
        this(deploymentId, instance, incarnation, rebootGeneration, size, imageDigest, updateDomain, faultDomain, settings, endpoints, localDisks,
                network, userData, probe, List.of());
    }

    /** An instance without user-data of its own or probe. */
    public Assignment(String deploymentId, InstanceName instance, long incarnation, long rebootGeneration, VmSize size, String imageDigest,
                      int updateDomain, int faultDomain, Map<String, String> settings, List<EndpointBinding> endpoints, List<LocalDisk> localDisks,
                      PrivateNetwork network) {
        this(deploymentId, instance, incarnation, rebootGeneration, size, imageDigest, updateDomain, faultDomain, settings, endpoints, localDisks,
                network, "", null);
    }

    /** An instance whose deployment has no private network (no role declares an internal endpoint). */
    public Assignment(String deploymentId, InstanceName instance, long incarnation, long rebootGeneration, VmSize size, String imageDigest,
                      int updateDomain, int faultDomain, Map<String, String> settings, List<EndpointBinding> endpoints, List<LocalDisk> localDisks) {
        this(deploymentId, instance, incarnation, rebootGeneration, size, imageDigest, updateDomain, faultDomain, settings, endpoints, localDisks, null);
    }

    /** The same instance with new setting values and network topology: what a live change delivers. */
    public Assignment withLiveChange(Map<String, String> newSettings, PrivateNetwork newNetwork) {
        return new Assignment(deploymentId, instance, incarnation, rebootGeneration, size, imageDigest, updateDomain, faultDomain,
                newSettings, endpoints, localDisks, newNetwork, userData, probe, drives, storageAccounts);
    }

    /** The same instance after a reset asked for with this generation. */
    public Assignment withRebootGeneration(long generation) {
        return new Assignment(deploymentId, instance, incarnation, generation, size, imageDigest, updateDomain, faultDomain,
                settings, endpoints, localDisks, network, userData, probe, drives, storageAccounts);
    }

    /** Unique across the platform: deployment and instance name. */
    public String key() {
        return deploymentId + "/" + instance;
    }
}
