package org.vmrole.fabric.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A store held in memory with the same revision and compare-and-set rules as the durable ones; for simulations
 * and benchmarks, where the store outlives controller restarts but not the process.
 */
public final class InMemoryStore implements Store {
    private final NavigableMap<String, StoredRecord> records = new TreeMap<>();
    private final List<Change> history = new ArrayList<>();
    private final int retainedChanges;
    private long revision;
    private long oldestKept;

    public InMemoryStore() {
        this(100_000);
    }

    public InMemoryStore(int retainedChanges) {
        this.retainedChanges = retainedChanges;
    }

    @Override
    public synchronized Optional<StoredRecord> get(String key) {
        return Optional.ofNullable(records.get(key));
    }

    @Override
    public synchronized List<StoredRecord> list(String prefix) {
        return List.copyOf(records.subMap(prefix, true, prefix + Character.MAX_VALUE, false).values());
    }

    @Override
    public synchronized List<StoredRecord> listBefore(String prefix, String before, int limit) {
        String end = prefix + Character.MAX_VALUE;
        String upper = before != null && before.compareTo(end) < 0 ? before : end;
        if (upper.compareTo(prefix) <= 0) return List.of();
        return records.subMap(prefix, true, upper, false).descendingMap().values().stream().limit(limit).toList();
    }

    @Override
    public synchronized long commit(List<Write> writes) {
        if (writes.isEmpty()) return revision;
        Write.requireDistinctKeys(writes);
        Map<String, Long> seen = new HashMap<>();
        for (Write w : writes) {
            if (w.expectedRevision() == ANY) continue;
            long actual = seen.computeIfAbsent(w.key(), k -> records.containsKey(k) ? records.get(k).revision() : ABSENT);
            if (actual != w.expectedRevision()) throw new RevisionConflict(w.key(), w.expectedRevision(), actual);
        }
        long next = revision + 1;
        // history lists one revision's writes in key order, as SqliteStore does
        List<Write> ordered = new ArrayList<>(writes);
        ordered.sort(java.util.Comparator.comparing(Write::key));
        for (Write w : ordered) {
            if (w.isDelete()) records.remove(w.key());
            else records.put(w.key(), new StoredRecord(w.key(), w.value(), next));
            history.add(new Change(next, w.key(), w.value()));
        }
        revision = next;
        if (history.size() > retainedChanges + retainedChanges / 10) {
            int drop = history.size() - retainedChanges;
            oldestKept = history.get(drop - 1).revision();
            history.subList(0, drop).clear();
            // a revision split by the cut would be half-visible; drop its remainder too
            while (!history.isEmpty() && history.get(0).revision() == oldestKept) history.remove(0);
        }
        return next;
    }

    @Override
    public synchronized List<Change> changesSince(long since) {
        if (since < oldestKept) throw new HistoryCompacted(since, oldestKept + 1);
        List<Change> out = new ArrayList<>();
        for (int i = history.size() - 1; i >= 0 && history.get(i).revision() > since; i--) out.add(history.get(i));
        return out.reversed();
    }

    @Override
    public synchronized long revision() {
        return revision;
    }

    @Override
    public void close() {
        // nothing to release
    }
}
