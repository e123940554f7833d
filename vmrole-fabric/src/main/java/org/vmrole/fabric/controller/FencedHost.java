package org.vmrole.fabric.controller;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.vmrole.fabric.model.Deployment;
import org.vmrole.fabric.model.RoleInstance;
import org.vmrole.fabric.model.RoleSpec;
import org.vmrole.model.host.DriveAttachment;

/**
 * A host the controller has just declared down, with the drives its instances mounted for writing (keys left out).
 * Whoever holds the storage keys breaks those leases, so the instances' new copies elsewhere can mount the drives at
 * once, and a host that was only cut off can no longer write to them (its Put Page calls name a broken lease).
 */
public record FencedHost(String host, List<DriveAttachment> writeDrives) {
    public FencedHost {
        writeDrives = List.copyOf(writeDrives);
    }

    /** The write drives of every instance placed on {@code host} (or handing over from it), by its deployment's roles. */
    static FencedHost of(String host, Collection<RoleInstance> instances, Map<String, Deployment> deployments) {
        List<DriveAttachment> drives = new ArrayList<>();
        for (RoleInstance ri : instances) {
            boolean here = host.equals(ri.host()) || (ri.handover() != null && host.equals(ri.handover().host()));
            Deployment d = deployments.get(ri.deploymentId());
            if (!here || d == null) continue;
            for (DriveAttachment a : d.role(ri.name().role()).map(RoleSpec::drives).orElse(List.of())) {
                if (a.writable() && !drives.contains(a)) drives.add(a);
            }
        }
        return new FencedHost(host, drives);
    }
}
