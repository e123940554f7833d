package org.vmrole.fabric.store;

/** One entry of the store's history: a key written (value present) or deleted (value null) at a revision. */
public record Change(long revision, String key, String value) {

    public boolean isDelete() {
        return value == null;
    }
}
