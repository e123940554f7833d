package org.vmrole.bench;

/** The heap a scenario holds: measured after the collector had a few chances to run. */
public final class HeapUse {
    private HeapUse() {
    }

    public static long afterGc() throws InterruptedException {
        Runtime r = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return r.totalMemory() - r.freeMemory();
    }
}
