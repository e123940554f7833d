package org.vmrole.api.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Optional;
import org.vmrole.fabric.store.Store;
import org.vmrole.fabric.store.StoredRecord;
import org.vmrole.fabric.store.Write;

/** One kind of record kept as JSON under a key prefix of the versioned store. */
public final class JsonRecords<T> {
    private final ObjectMapper json;
    private final String prefix;
    private final Class<T> type;

    public JsonRecords(ObjectMapper json, String prefix, Class<T> type) {
        this.json = json;
        this.prefix = prefix.endsWith("/") ? prefix : prefix + "/";
        this.type = type;
    }

    public String key(String id) {
        return prefix + id;
    }

    public Optional<Versioned<T>> get(Store store, String id) {
        return store.get(key(id)).map(this::read);
    }

    public List<Versioned<T>> list(Store store) {
        return store.list(prefix).stream().map(this::read).toList();
    }

    /** Every record by its id (the key without the prefix), in key order. */
    public java.util.Map<String, Versioned<T>> byId(Store store) {
        java.util.Map<String, Versioned<T>> out = new java.util.LinkedHashMap<>();
        for (StoredRecord r : store.list(prefix)) out.put(r.key().substring(prefix.length()), read(r));
        return out;
    }

    /**
     * A page of records whose ids sort in time order, newest first: up to {@code limit} with ids before
     * {@code beforeId} (from the newest when null). Page on with the last id of a page.
     */
    public List<Identified<T>> newestBefore(Store store, String beforeId, int limit) {
        return store.listBefore(prefix, beforeId == null ? null : key(beforeId), limit).stream()
                .map(r -> new Identified<>(r.key().substring(prefix.length()), read(r).value())).toList();
    }

    public Write put(String id, T value, long expectedRevision) {
        return Write.put(key(id), write(value), expectedRevision);
    }

    public Write delete(String id, long expectedRevision) {
        return Write.delete(key(id), expectedRevision);
    }

    private Versioned<T> read(StoredRecord r) {
        try {
            return new Versioned<>(json.readValue(r.value(), type), r.revision());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("store record " + r.key() + " is not a readable " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    private String write(T value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + type.getSimpleName(), e);
        }
    }

    /** A record's value and its id (its key without the prefix). */
    public record Identified<T>(String id, T value) {}

    /** A record and the store revision it was read at, for compare-and-set updates. */
    public record Versioned<T>(T value, long revision) {}
}
