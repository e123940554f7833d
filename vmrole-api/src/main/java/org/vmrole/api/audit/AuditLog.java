package org.vmrole.api.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.vmrole.api.store.JsonRecords;
import org.vmrole.fabric.store.Store;
import org.vmrole.fabric.store.Write;

/** The audit trail: each change commits its entry in the same store transaction as the change itself. */
public final class AuditLog {
    private final Store store;
    private final JsonRecords<AuditEntry> entries;
    /** Entries read per step when a subscription's own are picked out of everyone's. */
    private static final int PAGE = 256;
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
     * id is another tenant), the administrator (null, null) all. The log is read back from its newest entry a page at
     * a time and never further than {@code since}: it grows with every change the platform makes, so no read takes
     * all of it.
     */
    public List<AuditEntry> recent(String subscriptionId, Instant since, int limit) {
        List<AuditEntry> out = new ArrayList<>();
        int pageSize = subscriptionId == null ? limit : Math.max(limit, PAGE);
        String before = null;
        while (true) {
            List<JsonRecords.Identified<AuditEntry>> page = entries.newestBefore(store, before, pageSize);
            for (JsonRecords.Identified<AuditEntry> r : page) {
                AuditEntry e = r.value();
                if (since != null && e.at().isBefore(since)) return out;
                if (subscriptionId == null || subscriptionId.equals(e.subscriptionId())) out.add(e);
                if (out.size() == limit) return out;
            }
            if (page.size() < pageSize) return out;
            before = page.get(page.size() - 1).id();
        }
    }
}
