package org.vmrole.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.vmrole.fabric.store.Change;
import org.vmrole.fabric.store.HistoryCompacted;
import org.vmrole.fabric.store.RevisionConflict;
import org.vmrole.fabric.store.Store;
import org.vmrole.fabric.store.StoreFailure;
import org.vmrole.fabric.store.StoreUnavailable;
import org.vmrole.fabric.store.StoredRecord;
import org.vmrole.fabric.store.Write;

/**
 * The fabric store on etcd: a key's revision is its etcd {@code mod_revision}, a commit is one etcd transaction that
 * compares every guarded key's {@code mod_revision} (absent: {@code version = 0}), and the change feed is an etcd watch
 * from a revision. Records live under {@code ROOT/kv/}; {@code ROOT/revision} is rewritten by every commit, so its
 * {@code mod_revision} is this store's latest revision even when other clients write elsewhere in the cluster.
 *
 * <p>Every call waits at most {@code timeout}; a cluster without quorum fails it with {@link StoreUnavailable}.
 * A commit that returned is on a quorum of members' disks.
 */
public final class EtcdStore implements Store {
    /** Long enough for an etcd leader election (1 s by default), short enough that an API caller gets a 503 before giving up. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);
    private static final long DEFAULT_RETAINED_REVISIONS = 100_000;
    private static final int PAGE = 1_000;
    /**
     * etcd takes at most {@code --max-txn-ops} (128 by default) operations in each part of a transaction; a commit of n
     * writes puts n + 1 (the revision marker) and compares up to n + 1 (the fence): 127 writes fit any etcd.
     */
    public static final int DEFAULT_MAX_WRITES = 127;

    private final Client client;
    private final boolean ownsClient;
    private final String root;
    private final String dataPrefix;
    private final ByteSequence marker;
    private final Duration timeout;
    private final long retainedRevisions;
    private final Fence fence;
    private final int maxWrites;
    private volatile long compactedAt;

    /** A commit also requires {@code key} to hold {@code value}: a deposed leader's writes are refused. */
    public record Fence(String key, String value) {
    }

    private EtcdStore(Client client, boolean ownsClient, String root, Duration timeout, long retainedRevisions, Fence fence, int maxWrites) {
        if (!root.startsWith("/") || !root.endsWith("/")) throw new IllegalArgumentException("etcd root '" + root + "' must start and end with '/', e.g. /vmrole/");
        this.client = client;
        this.ownsClient = ownsClient;
        this.root = root;
        this.dataPrefix = root + "kv/";
        this.marker = bytes(root + "revision");
        this.timeout = timeout;
        this.retainedRevisions = retainedRevisions;
        this.fence = fence;
        this.maxWrites = maxWrites;
    }

    /** A store over its own client to {@code address}, with records under {@code root} (e.g. {@code /vmrole/}). */
    public static EtcdStore open(EtcdAddress address, String root) {
        return new EtcdStore(address.connect(), true, root, DEFAULT_TIMEOUT, DEFAULT_RETAINED_REVISIONS, null, DEFAULT_MAX_WRITES);
    }

    /** A store over a client its caller keeps (and closes). */
    public static EtcdStore over(Client client, String root, Duration timeout, long retainedRevisions) {
        return new EtcdStore(client, false, root, timeout, retainedRevisions, null, DEFAULT_MAX_WRITES);
    }

    /** The same records, but every commit also requires the fence to hold (the leader's lease key still naming it). */
    public EtcdStore fencedBy(Fence fence) {
        return new EtcdStore(client, false, root, timeout, retainedRevisions, fence, maxWrites);
    }

    /** The same records, with commits of up to {@code writes} (for members run with a larger {@code --max-txn-ops}). */
    public EtcdStore withMaxWritesPerCommit(int writes) {
        if (writes < 1) throw new IllegalArgumentException("writes per commit must be at least 1, got " + writes);
        return new EtcdStore(client, ownsClient, root, timeout, retainedRevisions, fence, writes);
    }

    @Override
    public int maxWritesPerCommit() {
        return maxWrites;
    }

    /** The client this store talks through (leader election and member health share it). */
    public Client client() {
        return client;
    }

    /** The folder all of this store's keys live under. */
    public String root() {
        return root;
    }

    @Override
    public Optional<StoredRecord> get(String key) {
        GetResponse r = await(client.getKVClient().get(bytes(dataPrefix + key)), "read '" + key + "'");
        return r.getKvs().stream().findFirst().map(this::record);
    }

    @Override
    public List<StoredRecord> list(String prefix) {
        // pages of PAGE keys, all read at the revision of the first, so a large list is one consistent snapshot
        String from = dataPrefix + prefix;
        ByteSequence end = prefixEnd(from);
        ByteSequence start = bytes(from);
        long atRevision = 0;
        List<StoredRecord> out = new ArrayList<>();
        while (true) {
            GetOption.Builder option = GetOption.builder().withRange(end).withSortField(GetOption.SortTarget.KEY)
                    .withSortOrder(GetOption.SortOrder.ASCEND).withLimit(PAGE);
            if (atRevision > 0) option.withRevision(atRevision);
            GetResponse r = await(client.getKVClient().get(start, option.build()), "list '" + prefix + "'");
            if (atRevision == 0) atRevision = r.getHeader().getRevision();
            for (KeyValue kv : r.getKvs()) out.add(record(kv));
            if (!r.isMore() || r.getKvs().isEmpty()) return out;
            start = r.getKvs().getLast().getKey().concat(ByteSequence.from(new byte[] {0}));
        }
    }

    /** One range read from the end: etcd sorts by key descending and stops at {@code limit}. */
    @Override
    public List<StoredRecord> listBefore(String prefix, String before, int limit) {
        if (limit <= 0) return List.of();
        byte[] from = (dataPrefix + prefix).getBytes(StandardCharsets.UTF_8);
        byte[] end = prefixEnd(dataPrefix + prefix).getBytes();
        if (before != null) {
            byte[] until = (dataPrefix + before).getBytes(StandardCharsets.UTF_8);
            if (java.util.Arrays.compareUnsigned(until, end) < 0) end = until;
        }
        if (java.util.Arrays.compareUnsigned(end, from) <= 0) return List.of();
        GetOption option = GetOption.builder().withRange(ByteSequence.from(end)).withSortField(GetOption.SortTarget.KEY)
                .withSortOrder(GetOption.SortOrder.DESCEND).withLimit(limit).build();
        GetResponse r = await(client.getKVClient().get(ByteSequence.from(from), option), "list '" + prefix + "' before '" + before + "'");
        return r.getKvs().stream().map(this::record).toList();
    }

    @Override
    public long commit(List<Write> writes) {
        if (writes.isEmpty()) return revision();
        Write.requireDistinctKeys(writes);
        List<Cmp> compares = new ArrayList<>();
        List<Op> then = new ArrayList<>();
        List<Op> otherwise = new ArrayList<>();
        List<Write> guarded = new ArrayList<>();
        for (Write w : writes) {
            ByteSequence key = bytes(dataPrefix + w.key());
            if (w.expectedRevision() != ANY) {
                compares.add(w.expectedRevision() == ABSENT ? new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0))
                        : new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(w.expectedRevision())));
                otherwise.add(Op.get(key, GetOption.DEFAULT));
                guarded.add(w);
            }
            then.add(w.isDelete() ? Op.delete(key, DeleteOption.DEFAULT) : Op.put(key, bytes(w.value()), PutOption.DEFAULT));
        }
        then.add(Op.put(marker, ByteSequence.EMPTY, PutOption.DEFAULT));
        if (fence != null) {
            compares.add(new Cmp(bytes(fence.key()), Cmp.Op.EQUAL, CmpTarget.value(bytes(fence.value()))));
            otherwise.add(Op.get(bytes(fence.key()), GetOption.DEFAULT));
        }
        TxnResponse r = await(client.getKVClient().txn().If(compares.toArray(Cmp[]::new)).Then(then.toArray(Op[]::new))
                .Else(otherwise.toArray(Op[]::new)).commit(), "commit " + writes.size() + " writes");
        if (r.isSucceeded()) {
            long revision = r.getHeader().getRevision();
            compactBefore(revision);
            return revision;
        }
        throw refusal(guarded, r.getGetResponses());
    }

    private RuntimeException refusal(List<Write> guarded, List<GetResponse> found) {
        if (fence != null && !fence.value().equals(found.getLast().getKvs().stream().findFirst().map(kv -> string(kv.getValue())).orElse(null))) {
            // a 503 for the API's callers: the fence lifts (or this replica leads again) within the lease time, then a retry applies
            return new StoreUnavailable("this replica no longer holds the lease at " + fence.key() + ": another replica leads now, so its write was "
                    + "refused; retry in a few seconds", null);
        }
        for (int i = 0; i < guarded.size(); i++) {
            Write w = guarded.get(i);
            long actual = found.get(i).getKvs().stream().findFirst().map(KeyValue::getModRevision).orElse(ABSENT);
            if (actual != w.expectedRevision()) return new RevisionConflict(w.key(), w.expectedRevision(), actual);
        }
        // the keys changed back between the transaction and our reading of them: report the first as conflicting
        Write first = guarded.getFirst();
        return new RevisionConflict(first.key(), first.expectedRevision(), found.getFirst().getKvs().stream().findFirst().map(KeyValue::getModRevision).orElse(ABSENT));
    }

    /** Keeps about {@code retainedRevisions} revisions of history, as the embedded stores do; compaction is cluster-wide in etcd. */
    private void compactBefore(long revision) {
        if (retainedRevisions <= 0 || revision - compactedAt <= retainedRevisions + retainedRevisions / 10) return;
        long keepFrom = revision - retainedRevisions;
        try {
            await(client.getKVClient().compact(keepFrom), "compact history before revision " + keepFrom);
        } catch (StoreFailure alreadyCompacted) {
            // another replica compacted first, or further: the history is as short as wanted either way
        }
        compactedAt = keepFrom;
    }

    @Override
    public List<Change> changesSince(long since) {
        long latest = revision();
        if (since >= latest) return List.of();
        CompletableFuture<List<Change>> done = new CompletableFuture<>();
        List<Change> out = new ArrayList<>();
        WatchOption option = WatchOption.builder().isPrefix(true).withRevision(since + 1).build();
        Watch.Listener listener = Watch.listener(response -> {
            long seen = 0;
            for (WatchEvent e : response.getEvents()) {
                KeyValue kv = e.getKeyValue();
                seen = Math.max(seen, kv.getModRevision());
                if (kv.getModRevision() > latest) continue;
                String value = e.getEventType() == WatchEvent.EventType.DELETE ? null : string(kv.getValue());
                out.add(new Change(kv.getModRevision(), key(kv), value));
            }
            // etcd never splits one revision's events across responses: reaching the latest revision means all of it came
            if (seen >= latest) done.complete(out);
        }, done::completeExceptionally);
        try (Watch.Watcher ignored = client.getWatchClient().watch(bytes(dataPrefix), option, listener)) {
            List<Change> changes = new ArrayList<>(await(done, "read changes since revision " + since));
            // one revision's writes in key order, as the embedded stores list them
            changes.sort(Comparator.comparingLong(Change::revision).thenComparing(Change::key));
            return changes;
        } catch (StoreFailure e) {
            if (e.getCause() instanceof CompactedException compacted) throw new HistoryCompacted(since, compacted.getCompactedRevision());
            throw e;
        }
    }

    @Override
    public long revision() {
        GetResponse r = await(client.getKVClient().get(marker), "read the store revision");
        return r.getKvs().stream().findFirst().map(KeyValue::getModRevision).orElse(0L);
    }

    @Override
    public void close() {
        if (ownsClient) client.close();
    }

    private <T> T await(CompletableFuture<T> call, String what) {
        try {
            return call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new StoreUnavailable("the etcd store has no quorum or cannot be reached: could not " + what + " within " + timeout.toSeconds()
                    + " s; check that a majority of its members run and are reachable", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreFailure("interrupted while waiting for etcd to " + what, e);
        } catch (ExecutionException e) {
            throw failure(what, e.getCause());
        }
    }

    private static StoreFailure failure(String what, Throwable cause) {
        if (cause instanceof CompactedException) return new StoreFailure("etcd could not " + what + ": its history is compacted", cause);
        // jetcd reports this refusal as an EtcdException or as the bare gRPC status, depending on the call
        if (String.valueOf(cause).contains("too many operations in txn request")) {
            return new StoreFailure("etcd refused to " + what + ": more operations than its --max-txn-ops allows (128 by default); "
                    + "start its members with --max-txn-ops 10000", cause);
        }
        if (cause instanceof EtcdException etcd) {
            String message = String.valueOf(etcd.getMessage());
            return switch (etcd.getErrorCode()) {
                case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION, RESOURCE_EXHAUSTED, PERMISSION_DENIED, UNAUTHENTICATED ->
                        new StoreFailure("etcd refused to " + what + ": " + message, cause);
                default -> new StoreUnavailable("the etcd store has no quorum or cannot be reached: could not " + what + " (" + message
                        + "); check that a majority of its members run and are reachable", cause);
            };
        }
        return new StoreUnavailable("the etcd store has no quorum or cannot be reached: could not " + what + " (" + cause
                + "); check that a majority of its members run and are reachable", cause);
    }

    private StoredRecord record(KeyValue kv) {
        return new StoredRecord(key(kv), string(kv.getValue()), kv.getModRevision());
    }

    private String key(KeyValue kv) {
        return string(kv.getKey()).substring(dataPrefix.length());
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static String string(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    /** The smallest key greater than every key starting with {@code prefix}. */
    private static ByteSequence prefixEnd(String prefix) {
        byte[] b = prefix.getBytes(StandardCharsets.UTF_8);
        for (int i = b.length - 1; i >= 0; i--) {
            if (b[i] != (byte) 0xff) {
                byte[] end = java.util.Arrays.copyOf(b, i + 1);
                end[i]++;
                return ByteSequence.from(end);
            }
        }
        return ByteSequence.from(new byte[] {0});
    }
}
