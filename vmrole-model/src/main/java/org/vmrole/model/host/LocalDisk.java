package org.vmrole.model.host;

/** A role's LocalStorage resource: a per-instance scratch disk, kept across reboot, wiped on reimage. */
public record LocalDisk(String name, int sizeMiB, boolean cleanOnRoleRecycle) {
    public LocalDisk {
        if (sizeMiB < 1) throw new IllegalArgumentException("local storage '" + name + "': size " + sizeMiB + " MiB must be at least 1");
    }
}
