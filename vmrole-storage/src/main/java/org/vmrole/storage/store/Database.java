package org.vmrole.storage.store;

import org.sqlite.SQLiteConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;

/**
 * The metadata store: one SQLite file in WAL mode with {@code synchronous=FULL}, so a commit that
 * returned is in the fsync'd WAL and survives both {@code kill -9} and power loss.
 *
 * <p>SQLite has one writer, and each commit costs an fsync. Every unit of work is queued; the first caller to
 * find no commit under way becomes the leader: it takes every waiting unit (its own among them), runs each inside
 * its own savepoint (a failing one is rolled back alone), commits the group once and wakes the others, whose work
 * is then done: concurrent requests share one fsync (group commit). No caller is told its work succeeded before the
 * commit that holds it has returned. The leader is a request thread, not a committer thread of its own: a lone
 * request commits its work without waking another thread and being woken by it (two hand-offs per write, a measured
 * share of a small call's CPU).
 *
 * <p>A commit costs about as much CPU as the statements of several requests (the WAL write, the fsync, the locks),
 * so while fewer units are waiting than the service has calls in progress, the leader waits up to
 * {@link #GATHER_NANOS} for the rest: those calls are being parsed and will most likely write. A lone caller
 * never waits.
 */
public final class Database implements AutoCloseable {
    private static final int MAX_GROUP = 256;
    private static final long GATHER_NANOS = 1_000_000;

    /** Work done inside a transaction; may throw the service's own exceptions. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** A caller's unit of work: done once a leader committed it (or failed it), promoted when it may lead next. */
    private static final class Task {
        final Work<?> work;
        final Thread owner = Thread.currentThread();
        Object result;
        Throwable error;
        volatile boolean done;
        volatile boolean promoted;

        Task(Work<?> work) {
            this.work = work;
        }

        void finish(Object result, Throwable error) {
            this.result = result;
            this.error = error;
            done = true;
            if (owner != Thread.currentThread()) LockSupport.unpark(owner);
        }
    }

    private static final int READERS = 4;

    private final Connection connection;
    private final java.util.concurrent.ArrayBlockingQueue<Connection> readers = new java.util.concurrent.ArrayBlockingQueue<>(READERS);
    private final LinkedBlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    /** Held by the leader while it runs and commits a group; the connection is used only under it. */
    private final ReentrantLock leader = new ReentrantLock();
    private final IntSupplier callsInProgress;
    private final List<Task> group = new ArrayList<>();
    private final List<Object> outcomes = new ArrayList<>();
    private volatile boolean open = true;

    /** A database whose leader never waits for more work (tools, tests). */
    public Database(Path file, String schema) {
        this(file, schema, () -> 0);
    }

    /** {@code callsInProgress}: how many calls that may write here are being handled now. */
    public Database(Path file, String schema, IntSupplier callsInProgress) {
        this.callsInProgress = callsInProgress;
        try {
            Files.createDirectories(file.getParent());
            connection = StatementCache.wrap(DriverManager.getConnection("jdbc:sqlite:" + file, connectionProperties()));
            try (Statement s = connection.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA busy_timeout=10000");
                s.execute("PRAGMA cache_size=-32768");
                for (String ddl : schema.split(";")) {
                    if (!ddl.isBlank()) s.execute(ddl);
                }
            }
            connection.setAutoCommit(false);
            connection.commit();
            for (int i = 0; i < READERS; i++) {
                Connection r = StatementCache.wrap(DriverManager.getConnection("jdbc:sqlite:" + file, connectionProperties()));
                try (Statement s = r.createStatement()) {
                    s.execute("PRAGMA busy_timeout=10000");
                    s.execute("PRAGMA cache_size=-8192");
                    s.execute("PRAGMA query_only=1");
                }
                r.setAutoCommit(false);
                readers.add(r);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot open metadata database " + file + ": " + e.getMessage(), e);
        }
    }

    /** The driver would query last_insert_rowid() after every write for getGeneratedKeys(), which nothing here calls. */
    private static Properties connectionProperties() {
        SQLiteConfig config = new SQLiteConfig();
        config.setGetGeneratedKeys(false);
        return config.toProperties();
    }

    /** Runs {@code work} in a transaction: all of it commits, or none of it does; returns after the commit. */
    @SuppressWarnings("unchecked")
    public <T> T transaction(Work<T> work) {
        if (!open) throw new IllegalStateException("metadata database is closed");
        // work that opened a transaction of its own would lead a group inside the group it belongs to
        if (leader.isHeldByCurrentThread()) throw new IllegalStateException("a metadata transaction cannot nest another");
        Task task = new Task(work);
        queue.add(task);
        boolean interrupted = false;
        while (!task.done) {
            task.promoted = false;
            if (leader.tryLock()) {
                try {
                    // not done, so no leader has taken it: it is still queued and this group holds it (or the next)
                    if (!task.done) commitGroup();
                } finally {
                    leader.unlock();
                    promoteNext();
                }
            } else {
                // the leader now running will either take this task or, when it ends, promote the queue's first
                while (!task.done && !task.promoted) {
                    LockSupport.park(this);
                    // the work is queued and will be committed; an interrupt cannot withdraw it, so it is kept for later
                    if (Thread.interrupted()) interrupted = true;
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (task.error == null) return (T) task.result;
        if (task.error instanceof RuntimeException re) throw re;
        throw new IllegalStateException("metadata database error: " + task.error.getMessage(), task.error);
    }

    /** After a leader ends: work queued meanwhile gets a leader (its caller is woken to lead), so none is stranded. */
    private void promoteNext() {
        Task next = queue.peek();
        if (next != null && !next.done) {
            next.promoted = true;
            LockSupport.unpark(next.owner);
        }
    }

    /** Deletes every row of the account from these tables (each has an {@code account} column), in one transaction. */
    public void deleteAccount(String account, List<String> tables) {
        transaction(c -> {
            for (String table : tables) {
                try (var ps = c.prepareStatement("DELETE FROM " + table + " WHERE account=?")) {
                    ps.setString(1, account);
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    /**
     * Runs read-only {@code work} on one of a few reader connections, beside the leader's commits: in WAL
     * mode a reader sees the last commit and neither waits for nor delays writers.
     */
    public <T> T read(Work<T> work) {
        if (!open) throw new IllegalStateException("metadata database is closed");
        Connection r;
        try {
            r = readers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a reader connection", e);
        }
        try {
            return work.run(r);
        } catch (SQLException e) {
            throw new IllegalStateException("metadata database error: " + e.getMessage(), e);
        } finally {
            try {
                r.rollback();
            } catch (SQLException ignored) {
                // ending a read snapshot; nothing was written
            }
            readers.add(r);
        }
    }

    /** Runs the waiting work as one transaction and commits it once; called by the leader only. */
    private void commitGroup() {
        try {
            queue.drainTo(group, MAX_GROUP);
            if (group.isEmpty()) return;
            gather(group);
            if (group.size() == 1) {
                // alone in its transaction, a unit of work needs no savepoint: if it fails, the rollback undoes it
                Object o = runAlone(group.getFirst().work);
                if (o instanceof Failure) rollbackQuietly();
                outcomes.add(o);
            } else {
                for (Task t : group) outcomes.add(runInSavepoint(t.work));
            }
            connection.commit();
            for (int i = 0; i < group.size(); i++) {
                Object o = outcomes.get(i);
                if (o instanceof Failure f) group.get(i).finish(null, f.error());
                else group.get(i).finish(o, null);
            }
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly();
            for (Task t : group) {
                if (!t.done) t.finish(null, new IllegalStateException("metadata commit failed: " + e.getMessage(), e));
            }
        } finally {
            group.clear();
            outcomes.clear();
        }
    }

    /** Adds work that arrives while the group is smaller than the number of calls in progress, for at most GATHER_NANOS. */
    private void gather(List<Task> group) {
        long deadline = System.nanoTime() + GATHER_NANOS;
        while (group.size() < MAX_GROUP && group.size() < callsInProgress.getAsInt()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return;
            Task next;
            try {
                next = queue.poll(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // commit what is gathered; the caller keeps the interrupt
                return;
            }
            if (next == null) return;
            group.add(next);
            queue.drainTo(group, MAX_GROUP - group.size());
        }
    }

    /** A unit of work that threw; its savepoint was rolled back. */
    private record Failure(Throwable error) {}

    /**
     * Runs one caller's work inside the group's transaction, undoing only its own changes when it fails. The
     * savepoint statements are prepared once (the driver's {@code setSavepoint} parses a new statement every time,
     * a measured share of a one-row insert); savepoints are taken one after another, so one name serves them all.
     */
    private Object runInSavepoint(Work<?> work) throws SQLException {
        execute("SAVEPOINT work");
        try {
            Object r = work.run(connection);
            execute("RELEASE work");
            return r;
        } catch (RuntimeException | SQLException e) {
            execute("ROLLBACK TO work");
            execute("RELEASE work");
            return new Failure(e);
        }
    }

    private Object runAlone(Work<?> work) {
        try {
            return work.run(connection);
        } catch (RuntimeException | SQLException e) {
            return new Failure(e);
        }
    }

    private void execute(String sql) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.execute();
        }
    }

    private void rollbackQuietly() {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the original failure is the one worth reporting
        }
    }

    @Override
    public void close() {
        open = false;
        leader.lock(); // the commit under way, if any, ends first
        try {
            connection.close();
            for (Connection r : readers) r.close();
        } catch (SQLException ignored) {
            // closing at shutdown: nothing left to protect
        } finally {
            leader.unlock();
            promoteNext(); // work queued while closing fails on the closed connection instead of waiting forever
        }
    }
}
