package org.vmrole.fabric.placement;

import org.vmrole.model.VmSize;

/** What a host has left for new instances. */
public record FreeCapacity(int cores, int memoryMiB, int diskGiB) {

    /** The hard constraint: passes, or fails with a reason a person can act on. */
    public Verdict fits(VmSize size) {
        if (size.cores() > cores) return Verdict.fail("needs " + plural(size.cores(), "core") + ", has " + cores + " free");
        if (size.memoryMiB() > memoryMiB) return Verdict.fail("needs " + size.memoryMiB() + " MiB memory, has " + memoryMiB + " MiB free");
        if (size.localDiskGiB() > diskGiB) return Verdict.fail("needs " + size.localDiskGiB() + " GiB local disk, has " + diskGiB + " GiB free");
        return Verdict.PASS;
    }

    static String plural(int n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }
}
