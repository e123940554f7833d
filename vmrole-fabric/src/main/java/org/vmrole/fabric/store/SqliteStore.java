package org.vmrole.fabric.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The default store: one SQLite file in WAL mode with {@code synchronous=FULL}, so a commit that returned is on
 * disk. Keeps the last {@code retainedRevisions} revisions of history for {@link #changesSince}.
 */
public final class SqliteStore implements Store {
    private static final long DEFAULT_RETAINED_REVISIONS = 100_000;

    private final Connection db;
    private final long retainedRevisions;
    private long revision;
    private long oldestKept;

    private SqliteStore(Connection db, long retainedRevisions) throws SQLException {
        this.db = db;
        this.retainedRevisions = retainedRevisions;
        try (Statement s = db.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=FULL");
            s.execute("PRAGMA busy_timeout=5000");
            s.execute("CREATE TABLE IF NOT EXISTS kv(key TEXT PRIMARY KEY, value TEXT NOT NULL, revision INTEGER NOT NULL) WITHOUT ROWID");
            s.execute("CREATE TABLE IF NOT EXISTS changes(revision INTEGER NOT NULL, key TEXT NOT NULL, value TEXT, PRIMARY KEY(revision, key)) WITHOUT ROWID");
            s.execute("CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID");
        }
        revision = meta("revision");
        oldestKept = meta("compacted");
        db.setAutoCommit(false);
    }

    /** Opens (creating if needed) the store file at {@code file}. */
    public static SqliteStore open(Path file) {
        return open(file, DEFAULT_RETAINED_REVISIONS);
    }

    /** Opens the store keeping {@code retainedRevisions} revisions of change history. */
    public static SqliteStore open(Path file, long retainedRevisions) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            return new SqliteStore(DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath()), retainedRevisions);
        } catch (Exception e) {
            throw new StoreFailure("cannot open the controller store at " + file + ": " + e.getMessage()
                    + "; check that the directory is writable and no other controller holds it", e);
        }
    }

    @Override
    public synchronized Optional<StoredRecord> get(String key) {
        try (PreparedStatement q = db.prepareStatement("SELECT value, revision FROM kv WHERE key = ?")) {
            q.setString(1, key);
            try (ResultSet r = q.executeQuery()) {
                Optional<StoredRecord> found = r.next() ? Optional.of(new StoredRecord(key, r.getString(1), r.getLong(2))) : Optional.empty();
                db.commit();
                return found;
            }
        } catch (SQLException e) {
            throw failure("read '" + key + "'", e);
        }
    }

    @Override
    public synchronized List<StoredRecord> list(String prefix) {
        // a negative LIMIT is no limit in SQLite
        return range("SELECT key, value, revision FROM kv WHERE key >= ? AND key < ? ORDER BY key LIMIT ?", prefix, prefix + Character.MAX_VALUE,
                -1, "list '" + prefix + "'");
    }

    @Override
    public synchronized List<StoredRecord> listBefore(String prefix, String before, int limit) {
        String end = prefix + Character.MAX_VALUE;
        return range("SELECT key, value, revision FROM kv WHERE key >= ? AND key < ? ORDER BY key DESC LIMIT ?", prefix,
                before != null && before.compareTo(end) < 0 ? before : end, limit, "list '" + prefix + "' before '" + before + "'");
    }

    /** The records of a key range query whose parameters are the range's start, its end (excluded) and a limit. */
    private List<StoredRecord> range(String sql, String from, String to, int limit, String what) {
        try (PreparedStatement q = db.prepareStatement(sql)) {
            q.setString(1, from);
            q.setString(2, to);
            q.setInt(3, limit);
            List<StoredRecord> out = new ArrayList<>();
            try (ResultSet r = q.executeQuery()) {
                while (r.next()) out.add(new StoredRecord(r.getString(1), r.getString(2), r.getLong(3)));
            }
            db.commit();
            return out;
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    @Override
    public synchronized long commit(List<Write> writes) {
        if (writes.isEmpty()) return revision;
        Write.requireDistinctKeys(writes);
        long next = revision + 1;
        try {
            checkRevisions(writes);
            try (PreparedStatement put = db.prepareStatement("INSERT INTO kv(key, value, revision) VALUES(?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, revision = excluded.revision");
                 PreparedStatement del = db.prepareStatement("DELETE FROM kv WHERE key = ?");
                 PreparedStatement log = db.prepareStatement("INSERT OR REPLACE INTO changes(revision, key, value) VALUES(?, ?, ?)")) {
                for (Write w : writes) {
                    if (w.isDelete()) {
                        del.setString(1, w.key());
                        del.addBatch();
                    } else {
                        put.setString(1, w.key());
                        put.setString(2, w.value());
                        put.setLong(3, next);
                        put.addBatch();
                    }
                    log.setLong(1, next);
                    log.setString(2, w.key());
                    log.setString(3, w.value());
                    log.addBatch();
                }
                put.executeBatch();
                del.executeBatch();
                log.executeBatch();
            }
            setMeta("revision", next);
            if (next - oldestKept > retainedRevisions + retainedRevisions / 10) compact(next - retainedRevisions);
            db.commit();
            revision = next;
            return next;
        } catch (RevisionConflict conflict) {
            rollback();
            throw conflict;
        } catch (SQLException e) {
            rollback();
            throw failure("commit " + writes.size() + " writes", e);
        }
    }

    private void checkRevisions(List<Write> writes) throws SQLException {
        Map<String, Long> seen = new HashMap<>();
        try (PreparedStatement q = db.prepareStatement("SELECT revision FROM kv WHERE key = ?")) {
            for (Write w : writes) {
                if (w.expectedRevision() == ANY) continue;
                Long actual = seen.get(w.key());
                if (actual == null) {
                    q.setString(1, w.key());
                    try (ResultSet r = q.executeQuery()) {
                        actual = r.next() ? r.getLong(1) : ABSENT;
                    }
                    seen.put(w.key(), actual);
                }
                if (actual != w.expectedRevision()) throw new RevisionConflict(w.key(), w.expectedRevision(), actual);
            }
        }
    }

    private void compact(long keepFrom) throws SQLException {
        try (PreparedStatement d = db.prepareStatement("DELETE FROM changes WHERE revision < ?")) {
            d.setLong(1, keepFrom);
            d.executeUpdate();
        }
        setMeta("compacted", keepFrom - 1);
        oldestKept = keepFrom - 1;
    }

    @Override
    public synchronized List<Change> changesSince(long since) {
        if (since < oldestKept) throw new HistoryCompacted(since, oldestKept + 1);
        try (PreparedStatement q = db.prepareStatement("SELECT revision, key, value FROM changes WHERE revision > ? ORDER BY revision, key")) {
            q.setLong(1, since);
            List<Change> out = new ArrayList<>();
            try (ResultSet r = q.executeQuery()) {
                while (r.next()) out.add(new Change(r.getLong(1), r.getString(2), r.getString(3)));
            }
            db.commit();
            return out;
        } catch (SQLException e) {
            throw failure("read changes since " + since, e);
        }
    }

    @Override
    public synchronized long revision() {
        return revision;
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw failure("close", e);
        }
    }

    private long meta(String name) throws SQLException {
        try (PreparedStatement q = db.prepareStatement("SELECT value FROM meta WHERE name = ?")) {
            q.setString(1, name);
            try (ResultSet r = q.executeQuery()) {
                return r.next() ? r.getLong(1) : 0;
            }
        }
    }

    private void setMeta(String name, long value) throws SQLException {
        try (PreparedStatement u = db.prepareStatement("INSERT INTO meta(name, value) VALUES(?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value")) {
            u.setString(1, name);
            u.setLong(2, value);
            u.executeUpdate();
        }
    }

    private void rollback() {
        try {
            db.rollback();
        } catch (SQLException ignored) {
            // the original failure is the one worth reporting
        }
    }

    private static StoreFailure failure(String what, SQLException e) {
        return new StoreFailure("controller store could not " + what + ": " + e.getMessage(), e);
    }
}
