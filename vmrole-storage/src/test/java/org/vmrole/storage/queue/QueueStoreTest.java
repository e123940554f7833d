package org.vmrole.storage.queue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.storage.StorageException;
import org.vmrole.storage.store.Database;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QueueStoreTest {
    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-12-04T12:00:00Z");

        @Override
        public ZoneOffset getZone() { return ZoneOffset.UTC; }

        @Override
        public Clock withZone(java.time.ZoneId zone) { return this; }

        @Override
        public Instant instant() { return now; }
    }

    @Test
    void an_expired_message_is_never_dequeued_and_the_purge_removes_it(@TempDir Path dir) {
        ManualClock clock = new ManualClock();
        try (Database db = new Database(dir.resolve("queue.db"), QueueStore.SCHEMA)) {
            QueueStore store = new QueueStore(db, clock);
            store.create("acct", "q", Map.of());
            store.put("acct", "q", "short-lived", 0, 1_000);
            store.put("acct", "q", "lasting", 0, -1);
            clock.now = clock.now.plus(Duration.ofSeconds(2));

            assertThat(store.get("acct", "q", 32, 0, true)).extracting(QueueStore.Message::body).containsExactly("lasting");
            assertThat(store.purgeExpired()).isEqualTo(1);
            assertThat(store.properties("acct", "q").getValue()).isEqualTo(1);
        }
    }

    @Test
    void a_delete_with_a_stale_receipt_says_so_and_a_delete_of_a_gone_message_says_not_found(@TempDir Path dir) {
        try (Database db = new Database(dir.resolve("queue.db"), QueueStore.SCHEMA)) {
            QueueStore store = new QueueStore(db, Clock.systemUTC());
            store.create("acct", "q", Map.of());
            store.put("acct", "q", "m", 0, -1);
            QueueStore.Message got = store.get("acct", "q", 1, 30_000, false).getFirst();

            assertThatThrownBy(() -> store.deleteMessage("acct", "q", got.id(), "stale"))
                    .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.code()).isEqualTo("PopReceiptMismatch"));
            store.deleteMessage("acct", "q", got.id(), got.pop());
            assertThatThrownBy(() -> store.deleteMessage("acct", "q", got.id(), got.pop()))
                    .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.code()).isEqualTo("MessageNotFound"));
            assertThatThrownBy(() -> store.put("acct", "missing", "m", 0, -1))
                    .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.code()).isEqualTo("QueueNotFound"));
        }
    }
}
