package org.vmrole.model.service;

import org.vmrole.model.host.LocalDisk;

/** A role's per-instance scratch disk ({@code LocalResources/LocalStorage}). */
public record LocalStorage(String name, int sizeMiB, boolean cleanOnRoleRecycle) {
    public LocalStorage {
        if (name == null) throw new IllegalArgumentException("local storage needs a name");
    }

    /** The disk a host attaches for it. */
    public LocalDisk toLocalDisk() {
        return new LocalDisk(name, sizeMiB, cleanOnRoleRecycle);
    }
}
