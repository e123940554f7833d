package org.vmrole.fabric.store;

/** One write in an atomic commit: a put (value present) or a delete (value null), guarded by a revision. */
public record Write(String key, String value, long expectedRevision) {

    public Write {
        if (key == null || key.isEmpty()) throw new IllegalArgumentException("store key is empty");
        if (expectedRevision < Store.ANY) throw new IllegalArgumentException("expected revision " + expectedRevision + " for '" + key + "' is below Store.ANY");
    }

    public static Write put(String key, String value, long expectedRevision) {
        if (value == null) throw new IllegalArgumentException("value for '" + key + "' is null; use Write.delete to remove a key");
        return new Write(key, value, expectedRevision);
    }

    public static Write delete(String key, long expectedRevision) {
        return new Write(key, null, expectedRevision);
    }

    /** Refuses a commit that names one key twice: its outcome would depend on the order of the writes. */
    public static void requireDistinctKeys(java.util.List<Write> writes) {
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (Write w : writes) {
            if (!keys.add(w.key())) throw new IllegalArgumentException("store key '" + w.key() + "' appears twice in one commit; merge the writes");
        }
    }

    public boolean isDelete() {
        return value == null;
    }
}
