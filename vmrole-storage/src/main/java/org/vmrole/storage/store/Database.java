package org.vmrole.storage.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The metadata store: one SQLite file in WAL mode with {@code synchronous=FULL}, so a commit that
 * returned is in the fsync'd WAL and survives both {@code kill -9} and power loss. SQLite allows one
 * writer; a single connection behind a fair lock serialises work instead of failing with SQLITE_BUSY.
 */
public final class Database implements AutoCloseable {

    /** Work done inside a transaction; may throw the service's own exceptions. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final Connection connection;
    private final ReentrantLock lock = new ReentrantLock(true);

    public Database(Path file, String schema) {
        try {
            Files.createDirectories(file.getParent());
            connection = DriverManager.getConnection("jdbc:sqlite:" + file);
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
        } catch (Exception e) {
            throw new IllegalStateException("cannot open metadata database " + file + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code work} in one transaction: all of it commits, or none of it does. */
    public <T> T transaction(Work<T> work) {
        lock.lock();
        try {
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (RuntimeException | SQLException e) {
                rollbackQuietly();
                if (e instanceof RuntimeException re) throw re;
                throw new IllegalStateException("metadata database error: " + e.getMessage(), e);
            }
        } finally {
            lock.unlock();
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
        lock.lock();
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing at shutdown: nothing left to protect
        } finally {
            lock.unlock();
        }
    }
}
