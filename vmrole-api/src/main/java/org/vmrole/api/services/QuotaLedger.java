package org.vmrole.api.services;

import java.util.List;
import org.vmrole.api.store.JsonRecords.Versioned;
import org.vmrole.api.store.JsonRecords;
import org.vmrole.fabric.store.Store;
import org.vmrole.fabric.store.Write;

/**
 * One record per subscription that every quota-checked change rewrites in its own commit. Two changes that each fit
 * the limits but not together then meet in the store: the second one's commit conflicts, and it is checked again
 * against what the first one took (see {@link org.vmrole.api.store.Optimistic}). Works across server replicas, since
 * the store decides.
 */
final class QuotaLedger {
    private final Store store;
    private final JsonRecords<Entry> entries;

    /** How many quota-checked changes the subscription made: a counter whose only use is its revision. */
    record Entry(long changes) {}

    QuotaLedger(Store store, com.fasterxml.jackson.databind.ObjectMapper json) {
        this.store = store;
        this.entries = new JsonRecords<>(json, "/api/quota/", Entry.class);
    }

    /** Read before the usage is counted; the write goes into the commit that takes the resources. */
    Write claim(String subscriptionId) {
        Versioned<Entry> now = entries.get(store, subscriptionId).orElse(new Versioned<>(new Entry(0), Store.ABSENT));
        return entries.put(subscriptionId, new Entry(now.value().changes() + 1), now.revision());
    }

    /** Removes the subscription's record (when the subscription goes). */
    List<Write> forget(String subscriptionId) {
        return entries.get(store, subscriptionId).map(v -> List.of(entries.delete(subscriptionId, v.revision()))).orElse(List.of());
    }
}
