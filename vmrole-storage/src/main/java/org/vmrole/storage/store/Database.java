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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The metadata store: one SQLite file in WAL mode with {@code synchronous=FULL}, so a commit that
 * returned is in the fsync'd WAL and survives both {@code kill -9} and power loss.
 *
 * <p>SQLite has one writer, and each commit costs an fsync. A single committer thread therefore takes
 * every waiting unit of work, runs each inside its own savepoint (a failing one is rolled back alone),
 * and commits the group once: concurrent requests share one fsync (group commit). No caller is told
 * its work succeeded before the commit that holds it has returned.
 *
 * <p>A commit costs about as much CPU as the statements of several requests (the WAL write, the fsync, the locks),
 * so while fewer units are waiting than the service has calls in progress, the committer waits up to
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

    private record Task(Work<?> work, CompletableFuture<Object> result) {}

    private static final int READERS = 4;

    private final Connection connection;
    private final java.util.concurrent.ArrayBlockingQueue<Connection> readers = new java.util.concurrent.ArrayBlockingQueue<>(READERS);
    private final LinkedBlockingQueue<Task> queue = new LinkedBlockingQueue<>();
    private final Thread committer;
    private final IntSupplier callsInProgress;
    private volatile boolean open = true;

    /** A database whose committer never waits for more work (tools, tests). */
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
        committer = Thread.ofPlatform().name("sqlite-" + file.getFileName()).daemon().start(this::commitLoop);
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
        CompletableFuture<Object> result = new CompletableFuture<>();
        queue.add(new Task(work, result));
        try {
            return (T) result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the metadata commit", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException("metadata database error: " + e.getCause().getMessage(), e.getCause());
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
     * Runs read-only {@code work} on one of a few reader connections, beside the committer: in WAL
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

    private void commitLoop() {
        List<Task> group = new ArrayList<>();
        List<Object> outcomes = new ArrayList<>();
        while (open || !queue.isEmpty()) {
            try {
                Task first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                group.add(first);
                queue.drainTo(group, MAX_GROUP - 1);
                gather(group);
                if (group.size() == 1) {
                    // alone in its transaction, a unit of work needs no savepoint: if it fails, the rollback undoes it
                    Object o = runAlone(first.work());
                    if (o instanceof Failure) rollbackQuietly();
                    outcomes.add(o);
                } else {
                    for (Task t : group) outcomes.add(runInSavepoint(t.work()));
                }
                connection.commit();
                for (int i = 0; i < group.size(); i++) {
                    Object o = outcomes.get(i);
                    if (o instanceof Failure f) group.get(i).result().completeExceptionally(f.error());
                    else group.get(i).result().complete(o);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly();
                for (Task t : group) t.result().completeExceptionally(new IllegalStateException("metadata commit failed: " + e.getMessage(), e));
            } finally {
                group.clear();
                outcomes.clear();
            }
        }
    }

    /** Adds work that arrives while the group is smaller than the number of calls in progress, for at most GATHER_NANOS. */
    private void gather(List<Task> group) throws InterruptedException {
        long deadline = System.nanoTime() + GATHER_NANOS;
        while (group.size() < MAX_GROUP && group.size() < callsInProgress.getAsInt()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return;
            Task next = queue.poll(left, TimeUnit.NANOSECONDS);
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
        try {
            committer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            connection.close();
            for (Connection r : readers) r.close();
        } catch (SQLException ignored) {
            // closing at shutdown: nothing left to protect
        }
    }
}
