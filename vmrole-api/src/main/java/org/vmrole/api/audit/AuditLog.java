package org.vmrole.api.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import org.vmrole.api.store.JsonRecords;
import org.vmrole.fabric.store.Store;
import org.vmrole.fabric.store.Write;

/** The audit trail: each change commits its entry in the same store transaction as the change itself. */
public final class AuditLog {
    private final Store store;
    private final JsonRecords<AuditEntry> entries;
    private final SecureRandom random = new SecureRandom();

    public AuditLog(Store store, ObjectMapper json) {
        this.store = store;
        this.entries = new JsonRecords<>(json, "/api/audit/", AuditEntry.class);
    }

    /** The write that records {@code entry}; keys sort by time so a listing reads in order. */
    public Write record(AuditEntry entry) {
        byte[] tail = new byte[4];
        random.nextBytes(tail);
        String id = String.format("%019d-%s", entry.at().toEpochMilli() * 1_000_000L + entry.at().getNano() % 1_000_000, HexFormat.of().formatHex(tail));
        return entries.put(id, entry, Store.ABSENT);
    }

    /**
     * The newest entries first; a subscription sees its own since it was created (an earlier subscription of the same
     * id is another tenant), the administrator (null, null) all.
     */
    public List<AuditEntry> recent(String subscriptionId, java.time.Instant since, int limit) {
        return entries.list(store).stream().map(JsonRecords.Versioned::value)
                .filter(e -> subscriptionId == null || subscriptionId.equals(e.subscriptionId()) && !e.at().isBefore(since))
                .sorted(Comparator.comparing(AuditEntry::at).reversed())
                .limit(limit).toList();
    }
}
