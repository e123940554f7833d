package org.vmrole.storage.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatabaseTest {
    private static final String SCHEMA = "CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, owner TEXT NOT NULL)";

    @Test
    void concurrent_writers_all_commit_and_a_failing_one_undoes_only_its_own_work(@TempDir Path dir) throws Exception {
        int threads = 16;
        int perThread = 40;
        // every thread is counted as in progress, so leaders also wait to gather the others' work into their group
        try (Database db = new Database(dir.resolve("t.db"), SCHEMA, () -> threads);
             ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<Integer>> committed = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                committed.add(pool.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < perThread; i++) {
                        int id = thread * perThread + i;
                        boolean fails = i % 5 == 0;
                        try {
                            int seen = db.transaction(c -> {
                                insert(c, id, "thread-" + thread);
                                if (fails) throw new IllegalArgumentException("work " + id + " fails after its insert");
                                return id;
                            });
                            assertThat(seen).isEqualTo(id);
                            ok++;
                        } catch (IllegalArgumentException e) {
                            assertThat(fails).isTrue();
                        }
                    }
                    return ok;
                }));
            }
            int total = 0;
            for (Future<Integer> f : committed) total += f.get(60, TimeUnit.SECONDS);

            assertThat(total).isEqualTo(threads * perThread * 4 / 5);
            int rows = db.read(c -> count(c, "SELECT count(*) FROM rows"));
            int failedRows = db.read(c -> count(c, "SELECT count(*) FROM rows WHERE id % " + perThread + " % 5 = 0"));
            assertThat(rows).isEqualTo(total);
            assertThat(failedRows).isZero();
        }
    }

    @Test
    void writers_still_running_when_the_database_closes_get_an_answer_not_a_hang(@TempDir Path dir) throws Exception {
        int threads = 8;
        Database db = new Database(dir.resolve("t.db"), SCHEMA, () -> threads);
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> writers = new ArrayList<>();
            java.util.concurrent.atomic.AtomicInteger ids = new java.util.concurrent.atomic.AtomicInteger();
            for (int t = 0; t < threads; t++) {
                writers.add(pool.submit(() -> {
                    while (true) {
                        int id = ids.incrementAndGet();
                        try {
                            db.transaction(c -> insert(c, id, "writer"));
                        } catch (IllegalStateException closed) {
                            return; // the database closed under it: refused or failed, but answered
                        }
                    }
                }));
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> ids.get() > 200);
            db.close();
            for (Future<?> w : writers) w.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void a_transaction_cannot_open_another_inside_itself(@TempDir Path dir) {
        try (Database db = new Database(dir.resolve("t.db"), SCHEMA)) {
            assertThatThrownBy(() -> db.transaction(c -> db.transaction(inner -> 1)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot nest");
            int inserted = db.transaction(c -> insert(c, 1, "after"));
            assertThat(inserted).isEqualTo(1);
        }
    }

    private static int insert(java.sql.Connection c, int id, String owner) throws SQLException {
        try (var ps = c.prepareStatement("INSERT INTO rows (id, owner) VALUES (?, ?)")) {
            ps.setInt(1, id);
            ps.setString(2, owner);
            return ps.executeUpdate();
        }
    }

    private static int count(java.sql.Connection c, String sql) throws SQLException {
        try (var ps = c.prepareStatement(sql); var rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
