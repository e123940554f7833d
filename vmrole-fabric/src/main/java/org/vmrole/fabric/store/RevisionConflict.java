package org.vmrole.fabric.store;

/** A conditional write found its key at another revision than expected: someone else wrote it first. */
public final class RevisionConflict extends RuntimeException {
    private final String key;

    public RevisionConflict(String key, long expected, long actual) {
        super("store key '" + key + "' is at revision " + actual + ", expected " + expected
                + (expected == Store.ABSENT ? " (absent)" : "") + "; another writer changed it, re-read and retry");
        this.key = key;
    }

    public String key() {
        return key;
    }
}
