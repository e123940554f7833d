package org.vmrole.fabric.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A versioned key-value store for the controller's desired state, shaped so that embedded SQLite and etcd can
 * both implement it: every write gets a store-wide revision, each key remembers the revision of its last write,
 * writes may be conditional on that revision, and the history of changes can be read from a revision on.
 *
 * <p>A call that returns has made its writes durable: they survive {@code kill -9} of the process.
 */
public interface Store extends AutoCloseable {

    /** Expected revision meaning "whatever the key holds, or nothing". */
    long ANY = -1;
    /** Expected revision meaning "the key must not exist". */
    long ABSENT = 0;

    /** The record under {@code key}, if any. */
    Optional<StoredRecord> get(String key);

    /** Every record whose key starts with {@code prefix}, in key order. */
    List<StoredRecord> list(String prefix);

    /**
     * A page of a log whose keys sort in time order, read from its newest end: up to {@code limit} records under
     * {@code prefix} whose keys sort before {@code before} (from the greatest key when null), greatest key first. A
     * reader pages back by passing the last key it got as the next {@code before}, so no read takes the whole log.
     */
    default List<StoredRecord> listBefore(String prefix, String before, int limit) {
        List<StoredRecord> all = list(prefix);
        List<StoredRecord> page = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0 && page.size() < limit; i--) {
            if (before == null || all.get(i).key().compareTo(before) < 0) page.add(all.get(i));
        }
        return page;
    }

    /**
     * Applies all writes atomically, or none when one write's expected revision does not match.
     *
     * @return the store revision the writes were given
     * @throws RevisionConflict naming the first key whose revision differed
     */
    long commit(List<Write> writes);

    /**
     * The most writes one {@link #commit} takes (etcd's {@code --max-txn-ops}); a caller with more splits them into
     * several commits and stays correct for any prefix of them. Unbounded for the embedded stores.
     */
    default int maxWritesPerCommit() {
        return Integer.MAX_VALUE;
    }

    /** Every change after {@code revision}, oldest first; a store may forget changes older than its retention. */
    List<Change> changesSince(long revision);

    /** The revision of the latest write (0 for an empty store). */
    long revision();

    /** Writes one value if the key is at {@code expectedRevision}; returns the new revision. */
    default long put(String key, String value, long expectedRevision) {
        return commit(List.of(Write.put(key, value, expectedRevision)));
    }

    /** Deletes one key if it is at {@code expectedRevision}; returns the new revision. */
    default long delete(String key, long expectedRevision) {
        return commit(List.of(Write.delete(key, expectedRevision)));
    }

    @Override
    void close();
}
