package org.vmrole.api.services;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.vmrole.api.ApiException;
import org.vmrole.api.auth.Principal;
import org.vmrole.api.store.JsonRecords;
import org.vmrole.fabric.store.Store;
import org.vmrole.fabric.store.Write;

/** Which subscription owns each operation (or upload), so a tenant reaches its own and finds no one else's. */
public final class Ownership {
    private final Store store;
    private final JsonRecords<Owner> owners;
    private final String kind;

    /** The owner of one id; service and slot are null where they do not apply. */
    public record Owner(String subscriptionId, String service, String slot) {}

    public Ownership(Store store, ObjectMapper json, String kind) {
        this.store = store;
        this.kind = kind;
        this.owners = new JsonRecords<>(json, "/api/owners/" + kind.toLowerCase(java.util.Locale.ROOT) + "/", Owner.class);
    }

    public Write record(String id, Owner owner) {
        return owners.put(id, owner, Store.ANY);
    }

    public String kind() { return kind; }

    /** The ids the subscription owns, with their owner records. */
    public java.util.Map<String, Owner> ownedBy(String subscriptionId) {
        java.util.Map<String, Owner> out = new java.util.TreeMap<>();
        owners.byId(store).forEach((id, v) -> {
            if (v.value().subscriptionId().equals(subscriptionId)) out.put(id, v.value());
        });
        return out;
    }

    /** The writes that remove every record of the subscription's ownership (when the subscription goes). */
    public java.util.List<Write> forget(String subscriptionId) {
        return owners.byId(store).entrySet().stream().filter(e -> e.getValue().value().subscriptionId().equals(subscriptionId))
                .map(e -> owners.delete(e.getKey(), e.getValue().revision())).toList();
    }

    /** The writes that remove the owner records of ids the store no longer keeps (forgotten operations). */
    public java.util.List<Write> forgetting(java.util.List<String> ids) {
        return ids.stream().map(id -> owners.delete(id, Store.ANY)).toList();
    }

    /** Throws "not found" unless the caller is the administrator or the owner. */
    public Owner require(Principal who, String id) {
        return visible(who, id).orElseThrow(() -> ApiException.notFound(kind, id));
    }

    /** The owner of an id when the caller may see it (the administrator, or the owner), else empty. */
    public java.util.Optional<Owner> visible(Principal who, String id) {
        return owners.get(store, id).map(JsonRecords.Versioned::value)
                .filter(o -> who.administrator() || o.subscriptionId().equals(who.subscriptionId()));
    }
}
