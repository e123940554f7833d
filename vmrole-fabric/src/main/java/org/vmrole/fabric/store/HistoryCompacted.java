package org.vmrole.fabric.store;

/** Changes were asked for from a revision the store no longer keeps; the reader must list afresh. */
public final class HistoryCompacted extends RuntimeException {
    public HistoryCompacted(long asked, long oldestKept) {
        super("changes since revision " + asked + " are compacted (oldest kept: " + oldestKept + "); list the keys again and watch from the current revision");
    }
}
