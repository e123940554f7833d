package org.vmrole.api.drives;

import java.time.Instant;

/** A read-only link to download a drive: {@code url} carries a service SAS valid until {@code expires}. */
public record DriveSas(String name, String account, String url, Instant expires) {
    @Override
    public String toString() {
        return "DriveSas[" + name + " until " + expires + "]";
    }
}
