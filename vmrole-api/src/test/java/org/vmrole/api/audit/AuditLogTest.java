package org.vmrole.api.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import java.util.Optional;
import org.vmrole.fabric.store.Change;
import org.vmrole.fabric.store.InMemoryStore;
import org.vmrole.fabric.store.Store;
import org.vmrole.fabric.store.StoredRecord;
import org.vmrole.fabric.store.Write;

class AuditLogTest {
    private static final Instant START = Instant.parse("2026-12-01T00:00:00Z");
    private final AtomicInteger listedRecords = new AtomicInteger();
    /** Counts what each page read returns and refuses whole listings, so a test can tell a paged read from one of the whole log. */
    private final Store store = new Store() {
        private final InMemoryStore records = new InMemoryStore();

        @Override public Optional<StoredRecord> get(String key) { return records.get(key); }

        @Override public List<StoredRecord> list(String prefix) { throw new AssertionError("listed all of " + prefix); }

        @Override public List<StoredRecord> listBefore(String prefix, String before, int limit) {
            List<StoredRecord> page = records.listBefore(prefix, before, limit);
            listedRecords.addAndGet(page.size());
            return page;
        }

        @Override public long commit(List<Write> writes) { return records.commit(writes); }

        @Override public List<Change> changesSince(long revision) { return records.changesSince(revision); }

        @Override public long revision() { return records.revision(); }

        @Override public void close() { records.close(); }
    };
    private final AuditLog log = new AuditLog(store, new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS));

    /** Entry i at START + i seconds: every third is contoso's, the rest fabrikam's. */
    private void recordEntries(int count) {
        for (int i = 0; i < count; i++) {
            store.commit(List.of(log.record(new AuditEntry(START.plusSeconds(i), "k", i % 3 == 0 ? "contoso" : "fabrikam", "service.create", "s" + i))));
        }
    }

    @Test
    void the_administrator_reads_the_newest_entries_of_everyone_first_and_only_as_many_as_asked() {
        recordEntries(1000);

        List<AuditEntry> recent = log.recent(null, null, 5);

        assertThat(recent).extracting(AuditEntry::target).containsExactly("s999", "s998", "s997", "s996", "s995");
        assertThat(listedRecords).hasValue(5);
    }

    @Test
    void a_subscription_reads_its_own_newest_entries_across_pages_and_nothing_before_it_was_created() {
        recordEntries(1000);

        List<AuditEntry> recent = log.recent("contoso", START.plusSeconds(900), 100);

        List<String> expected = new ArrayList<>();
        for (int i = 999; i >= 900; i--) if (i % 3 == 0) expected.add("s" + i);
        assertThat(recent).extracting(AuditEntry::target).containsExactlyElementsOf(expected);
        assertThat(listedRecords.get()).as("read back to its creation, not the whole log").isLessThanOrEqualTo(2 * 256);
    }

    @Test
    void a_subscription_with_more_entries_than_asked_gets_the_newest_from_several_pages() {
        recordEntries(2000);

        List<AuditEntry> recent = log.recent("contoso", START, 300);

        assertThat(recent).hasSize(300).first().extracting(AuditEntry::target).isEqualTo("s1998");
        assertThat(recent).extracting(AuditEntry::subscriptionId).containsOnly("contoso");
        assertThat(listedRecords.get()).isLessThan(2000);
    }
}
