package org.vmrole.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The VM sizes a role may ask for, with the cores, memory and local disk each one gets. */
public enum VmSize {
    ExtraSmall(1, 768, 20),
    Small(1, 1792, 165),
    Medium(2, 3584, 340),
    Large(4, 7168, 850),
    ExtraLarge(8, 14336, 1890);

    private final int cores;
    private final int memoryMiB;
    private final int localDiskGiB;

    VmSize(int cores, int memoryMiB, int localDiskGiB) {
        this.cores = cores;
        this.memoryMiB = memoryMiB;
        this.localDiskGiB = localDiskGiB;
    }

    public int cores() { return cores; }

    public int memoryMiB() { return memoryMiB; }

    public int localDiskGiB() { return localDiskGiB; }

    /**
     * Reads a size name as Azure spells it, ignoring case.
     *
     * @throws IllegalArgumentException naming the valid sizes when the name is unknown
     */
    public static VmSize parse(String name) {
        if (name != null) {
            for (VmSize s : values()) {
                if (s.name().equalsIgnoreCase(name.trim())) return s;
            }
        }
        throw new IllegalArgumentException("unknown VM size '" + name + "'; use one of "
                + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() { return name(); }

    /** "1 core, 768 MiB" as people read it in errors. */
    public String describe() {
        return cores + (cores == 1 ? " core, " : " cores, ") + memoryMiB + " MiB";
    }
}
