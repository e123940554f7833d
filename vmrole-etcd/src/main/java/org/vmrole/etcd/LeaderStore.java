package org.vmrole.etcd;

import java.util.List;
import java.util.Optional;
import org.vmrole.fabric.store.Change;
import org.vmrole.fabric.store.Store;
import org.vmrole.fabric.store.StoredRecord;
import org.vmrole.fabric.store.Write;

/**
 * The controller's view of the etcd store: while a fence is set (this replica leads, or its last reconcile pass is
 * still finishing) every commit also requires the leader key to hold this replica's term, so a deposed leader
 * cannot write; without a fence commits are guarded by key revisions alone, as the API's are.
 */
public final class LeaderStore implements Store {
    private final EtcdStore base;
    private volatile EtcdStore writes;

    public LeaderStore(EtcdStore base) {
        this.base = base;
        this.writes = base;
    }

    /** Fences commits with {@code fence}, or lifts the fence when empty. */
    public void fenceWith(Optional<EtcdStore.Fence> fence) {
        writes = fence.map(base::fencedBy).orElse(base);
    }

    @Override
    public Optional<StoredRecord> get(String key) {
        return base.get(key);
    }

    @Override
    public List<StoredRecord> list(String prefix) {
        return base.list(prefix);
    }

    @Override
    public List<StoredRecord> listBefore(String prefix, String before, int limit) {
        return base.listBefore(prefix, before, limit);
    }

    @Override
    public long commit(List<Write> writes) {
        return this.writes.commit(writes);
    }

    @Override
    public int maxWritesPerCommit() {
        return base.maxWritesPerCommit();
    }

    @Override
    public List<Change> changesSince(long revision) {
        return base.changesSince(revision);
    }

    @Override
    public long revision() {
        return base.revision();
    }

    @Override
    public void close() {
        base.close();
    }
}
