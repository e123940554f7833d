package org.vmrole.model.host;

/** What a host offers to instances. */
public record HostCapacity(int cores, int memoryMiB, int diskGiB) {
    public HostCapacity {
        if (cores < 1 || memoryMiB < 1 || diskGiB < 0) {
            throw new IllegalArgumentException("host capacity needs cores >= 1, memory >= 1 MiB, disk >= 0 GiB; got "
                    + cores + " cores, " + memoryMiB + " MiB, " + diskGiB + " GiB");
        }
    }
}
