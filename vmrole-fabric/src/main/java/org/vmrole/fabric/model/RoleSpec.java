package org.vmrole.fabric.model;

import java.util.List;
import java.util.Map;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.DriveAttachment;
import org.vmrole.model.host.EndpointBinding;
import org.vmrole.model.host.HealthProbe;
import org.vmrole.model.host.InternalBinding;
import org.vmrole.model.host.LocalDisk;

/**
 * One role of a deployment as the fabric runs it: size, how many instances, which image, settings, input and internal
 * endpoints, disks, its own cloud-init user-data (empty when none) and the probe that judges agentless instances (null
 * when it has no input endpoint), and the drives its instances attach (their account keys left out: the API adds the
 * current key when it hands assignments to a host).
 */
public record RoleSpec(
        String name,
        VmSize size,
        int instanceCount,
        String imageDigest,
        Map<String, String> settings,
        List<EndpointBinding> endpoints,
        List<LocalDisk> localDisks,
        List<InternalBinding> internalEndpoints,
        String userData,
        HealthProbe probe,
        List<DriveAttachment> drives) {

    /** More instances than this in one role is a typo, not a deployment. */
    public static final int MAX_INSTANCES = 100_000;

    public RoleSpec {
        if (name == null || name.isBlank() || name.contains("/")) throw new IllegalArgumentException("role name '" + name + "' must be non-empty and contain no '/'");
        if (size == null) throw new IllegalArgumentException("role '" + name + "' has no VM size; give one of " + List.of(VmSize.values()));
        if (instanceCount < 0 || instanceCount > MAX_INSTANCES) throw new IllegalArgumentException("role '" + name + "': instance count " + instanceCount + " must be between 0 and " + MAX_INSTANCES);
        if (imageDigest == null || imageDigest.isBlank()) throw new IllegalArgumentException("role '" + name + "' names no image digest");
        settings = Map.copyOf(settings == null ? Map.of() : settings);
        endpoints = List.copyOf(endpoints == null ? List.of() : endpoints);
        localDisks = List.copyOf(localDisks == null ? List.of() : localDisks);
        internalEndpoints = List.copyOf(internalEndpoints == null ? List.of() : internalEndpoints);
        if (userData == null) userData = "";
        drives = List.copyOf(drives == null ? List.of() : drives);
    }

    /** A role without drives. */
    public RoleSpec(String name, VmSize size, int instanceCount, String imageDigest, Map<String, String> settings, List<EndpointBinding> endpoints,
                    List<LocalDisk> localDisks, List<InternalBinding> internalEndpoints, String userData, HealthProbe probe) {
        this(name, size, instanceCount, imageDigest, settings, endpoints, localDisks, internalEndpoints, userData, probe, List.of());
    }

    /** A role without user-data or probe of its own. */
    public RoleSpec(String name, VmSize size, int instanceCount, String imageDigest, Map<String, String> settings,
                    List<EndpointBinding> endpoints, List<LocalDisk> localDisks, List<InternalBinding> internalEndpoints) {
        this(name, size, instanceCount, imageDigest, settings, endpoints, localDisks, internalEndpoints, "", null);
    }

    /** A role without internal endpoints. */
    public RoleSpec(String name, VmSize size, int instanceCount, String imageDigest, Map<String, String> settings,
                    List<EndpointBinding> endpoints, List<LocalDisk> localDisks) {
        this(name, size, instanceCount, imageDigest, settings, endpoints, localDisks, List.of());
    }

    public RoleSpec withSettings(Map<String, String> values) {
        return new RoleSpec(name, size, instanceCount, imageDigest, values, endpoints, localDisks, internalEndpoints, userData, probe, drives);
    }

    public RoleSpec withInstanceCount(int count) {
        return new RoleSpec(name, size, count, imageDigest, settings, endpoints, localDisks, internalEndpoints, userData, probe, drives);
    }
}
